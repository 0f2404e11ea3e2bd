import { readFile } from 'node:fs/promises';
import type { Promotion, PromotionPolicy } from '@par/registry';
import { CliError } from '../errors.js';
import { inputFile } from '../input-files.js';
import type { ReferrerSelection } from '../referrer-options.js';

/** One entry of a plan: what to promote, and the policy it must pass. */
export type PromotionEntry = Promotion;

/** A whole wadm application (`wadm: app.yaml` with `to:`), promoted all or nothing. */
export interface ApplicationPlanEntry {
  wadm: string;
  to: string;
  write?: string;
  policy: PromotionPolicy;
}

export interface PromotionPlan {
  concurrency: number;
  promotions: PromotionEntry[];
  applications: ApplicationPlanEntry[];
}

const DEFAULT_POLICY: PromotionPolicy = { strict: false, requireIssuer: [], requireTarget: [], requireReferrer: [] };
const DEFAULT_CONCURRENCY = 4;
const POLICY_KEYS = ['strict', 'requireIssuer', 'requireTarget', 'requireReferrer'];
/** Keys that `defaults` may set besides the policy. */
const DEFAULT_KEYS = [...POLICY_KEYS, 'referrers'];

/** Reads a plan file, YAML or JSON (JSON is YAML), and names the file, entry and key of any mistake. */
export async function readPlan(path: string): Promise<PromotionPlan> {
  await inputFile(path, '--plan');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read plan ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 'not_found');
  }
  const { parse } = await import('../esm/yaml.js');
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new CliError(`plan ${path} is not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  return validatePlan(document, path);
}

export function validatePlan(document: unknown, source: string): PromotionPlan {
  const at = (where: string) => `${source}: ${where}`;
  if (!isObject(document)) throw new CliError(at('a plan is a mapping with a "promotions" list'));
  checkKeys(document, ['defaults', 'promotions', 'concurrency'], at('top level'));
  const defaults = document['defaults'] === undefined ? DEFAULT_POLICY : policyOf(document['defaults'], DEFAULT_POLICY, at('defaults'));
  const defaultReferrers = isObject(document['defaults']) ? referrersOf(document['defaults']['referrers'], [], at('defaults.referrers')) : [];
  const concurrency = document['concurrency'] ?? DEFAULT_CONCURRENCY;
  if (typeof concurrency !== 'number' || !Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) {
    throw new CliError(at('concurrency must be an integer from 1 to 32'));
  }
  const list = document['promotions'];
  if (!Array.isArray(list) || list.length === 0) throw new CliError(at('"promotions" must be a non-empty list'));
  const promotions: PromotionEntry[] = [];
  const applications: ApplicationPlanEntry[] = [];
  list.forEach((entry, index) => {
    const where = at(`promotions[${index}]`);
    if (!isObject(entry)) throw new CliError(`${where}: each promotion is a mapping with "from" and "to" (or "wadm" and "to")`);
    if (entry['wadm'] !== undefined) {
      applications.push(applicationOf(entry, defaults, where));
      return;
    }
    checkKeys(entry, ['from', 'to', 'tags', 'referrers', ...POLICY_KEYS], where);
    const from = entry['from'];
    const to = entry['to'];
    if (typeof from !== 'string' || from === '') throw new CliError(`${where}.from: a reference is required`);
    if (typeof to !== 'string' || to === '') throw new CliError(`${where}.to: a reference is required`);
    promotions.push({
      from,
      to,
      tags: stringList(entry['tags'], `${where}.tags`),
      policy: policyOf(entry, defaults, where),
      referrers: referrersOf(entry['referrers'], defaultReferrers, `${where}.referrers`),
    });
  });
  return { concurrency, promotions, applications };
}

/** Paths (`wadm:`, `write:`, `to: oci:DIR`) are relative to the working directory, as `oci:` locations in `from`/`to` are. */
function applicationOf(entry: Record<string, unknown>, defaults: PromotionPolicy, where: string): ApplicationPlanEntry {
  checkKeys(entry, ['wadm', 'to', 'write', ...POLICY_KEYS], where);
  const wadm = entry['wadm'];
  const to = entry['to'];
  const write = entry['write'];
  if (typeof wadm !== 'string' || wadm === '') throw new CliError(`${where}.wadm: the path of a wadm manifest is required`);
  if (typeof to !== 'string' || to === '') throw new CliError(`${where}.to: a destination prefix (registry/path or oci:DIR) is required`);
  if (write !== undefined && (typeof write !== 'string' || write === '')) throw new CliError(`${where}.write: must be a file path`);
  return { wadm, to, ...(typeof write === 'string' ? { write } : {}), policy: policyOf(entry, defaults, where) };
}

function policyOf(value: unknown, base: PromotionPolicy, where: string): PromotionPolicy {
  if (!isObject(value)) throw new CliError(`${where}: must be a mapping`);
  if (where.endsWith('defaults')) checkKeys(value, DEFAULT_KEYS, where);
  const strict = value['strict'] ?? base.strict;
  if (typeof strict !== 'boolean') throw new CliError(`${where}.strict: must be true or false`);
  return {
    strict,
    requireIssuer: value['requireIssuer'] === undefined ? base.requireIssuer : stringList(value['requireIssuer'], `${where}.requireIssuer`),
    requireTarget: value['requireTarget'] === undefined ? base.requireTarget : stringList(value['requireTarget'], `${where}.requireTarget`),
    requireReferrer:
      value['requireReferrer'] === undefined ? base.requireReferrer : stringList(value['requireReferrer'], `${where}.requireReferrer`),
  };
}

/** `referrers: true | false | [artifact types]`; absent takes the default (carry all). */
function referrersOf(value: unknown, base: ReferrerSelection, where: string): ReferrerSelection {
  if (value === undefined) return base;
  if (value === true) return [];
  if (value === false) return false;
  if (Array.isArray(value) && value.length > 0) return stringList(value, where);
  throw new CliError(`${where}: must be true, false or a non-empty list of artifact types`);
}

function stringList(value: unknown, where: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) {
    throw new CliError(`${where}: must be a list of strings`);
  }
  return value as string[];
}

function checkKeys(value: Record<string, unknown>, known: string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new CliError(`${where}: unknown key "${key}" (known: ${known.join(', ')})`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
