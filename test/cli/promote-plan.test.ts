// `par promote --plan` end to end (issue 4): a 20-entry plan promoted, re-run with nothing copied, re-run
// after deleting one destination with exactly one copy, --dry-run changing nothing, and a run killed in
// the middle (SIGKILL) then re-run, leaving every destination complete and correct.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { WASH_TEST_KEYS, cliEntry, par, tempDir } from '../support/par.js';
import {
  accessLines,
  deleteManifest,
  expectStatus,
  getManifest,
  makePar,
  pushPar,
  registryLogSince,
  registryLogSize,
  settle,
  tagsOf,
  writes,
  type PromotionOutcome,
} from './promotion-support.js';

useRegistries();

const plain = registries.plain.host;
const plain2 = registries.plain2.host;
const ENTRIES = 20;

interface Report {
  dryRun: boolean;
  promotions: PromotionOutcome[];
}

let dir: string;
/** Source repository prefix; entry i is `<prefix>/src-i:v1`. */
let sources: string;
/** The par file and manifest digest of each entry's source. */
const files: string[] = [];
const digests: string[] = [];

beforeAll(async () => {
  dir = tempDir('par-plan-');
  sources = uniqueRepository('plan/sources');
  // Four different archives spread over the twenty entries; 2 MiB each so a run takes long enough to interrupt.
  const pars = await Promise.all([0, 1, 2, 3].map((n) => makePar(dir, `provider${n}`, { size: 2 * 1024 * 1024 })));
  for (let i = 0; i < ENTRIES; i++) {
    files[i] = pars[i % 4]!;
    digests[i] = await pushPar(`${plain}/${sources}/src-${i}:v1`, files[i]!);
  }
}, 120_000);

/** Writes a plan promoting every source to `<destinations>/dst-i:v1` (entry 0 also gets `stable`). */
function writePlan(destinations: string, format: 'yaml' | 'json', concurrency?: number): string {
  const file = join(dir, `${destinations.replaceAll('/', '_')}.${format}`);
  if (format === 'json') {
    const plan = {
      ...(concurrency !== undefined ? { concurrency } : {}),
      defaults: { strict: true, requireIssuer: [WASH_TEST_KEYS.issuer], requireTarget: ['x86_64-linux'] },
      promotions: Array.from({ length: ENTRIES }, (_, i) => ({
        from: `${plain}/${sources}/src-${i}:v1`,
        to: `${plain2}/${destinations}/dst-${i}:v1`,
        ...(i === 0 ? { tags: ['stable'] } : {}),
      })),
    };
    writeFileSync(file, JSON.stringify(plan, null, 2));
    return file;
  }
  const lines = [
    ...(concurrency !== undefined ? [`concurrency: ${concurrency}`] : []),
    'defaults:',
    '  strict: true',
    `  requireIssuer: [${WASH_TEST_KEYS.issuer}]`,
    '  requireTarget: [x86_64-linux]',
    'promotions:',
  ];
  for (let i = 0; i < ENTRIES; i++) {
    lines.push(`  - from: ${plain}/${sources}/src-${i}:v1`, `    to: ${plain2}/${destinations}/dst-${i}:v1`);
    if (i === 0) lines.push('    tags: [stable]');
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function promotePlan(plan: string, extra: string[] = []): Promise<Report> {
  const run = await par(['promote', '--plan', plan, '--output', 'json', ...extra]);
  expectStatus(run, 0);
  return JSON.parse(run.stdout) as Report;
}

function actions(report: Report): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of report.promotions) counts[outcome.action] = (counts[outcome.action] ?? 0) + 1;
  return counts;
}

/** Every destination holds its source's manifest (same digest, same bytes) and pulls back as the same, verified file. */
async function expectAllPromoted(destinations: string): Promise<void> {
  for (let i = 0; i < ENTRIES; i++) {
    const copied = await getManifest('plain2', `${destinations}/dst-${i}`, 'v1');
    expect(copied.digest, `dst-${i}`).toBe(digests[i]);
    expect(copied.bytes.equals((await getManifest('plain', `${sources}/src-${i}`, 'v1')).bytes)).toBe(true);
    const out = join(dir, `${destinations.replaceAll('/', '_')}-${i}.par`);
    expectStatus(await par(['pull', `${plain2}/${destinations}/dst-${i}:v1`, '--destination', out]), 0);
    expect(readFileSync(out).equals(readFileSync(files[i]!)), `dst-${i} pulled bytes`).toBe(true);
  }
  expect(await tagsOf('plain2', `${destinations}/dst-0`)).toEqual(expect.arrayContaining(['v1', 'stable']));
}

describe('par promote --plan', () => {
  const destinations = uniqueRepository('plan/prod');

  test('promotes a 20-entry plan (YAML), every destination complete and correct', async () => {
    const report = await promotePlan(writePlan(destinations, 'yaml'));
    expect(report.dryRun).toBe(false);
    expect(actions(report)).toEqual({ promoted: ENTRIES });
    report.promotions.forEach((outcome, i) => {
      expect(outcome).toMatchObject({
        from: `${plain}/${sources}/src-${i}:v1`,
        to: `${plain2}/${destinations}/dst-${i}:v1`,
        sourceDigest: digests[i],
        policy: 'pass',
        copied: 3,
      });
      expect(outcome.bytes).toBeGreaterThan(2 * 1024 * 1024);
      expect(outcome.seconds).toBeGreaterThanOrEqual(0);
      expect(outcome.error).toBeUndefined();
    });
    await expectAllPromoted(destinations);
  }, 120_000);

  test('a re-run (the same plan as JSON) copies nothing and writes nothing', async () => {
    const before = accessLines('plain2', destinations).length;
    const report = await promotePlan(writePlan(destinations, 'json'));
    expect(actions(report)).toEqual({ 'up-to-date': ENTRIES });
    expect(report.promotions.reduce((sum, o) => sum + o.bytes, 0)).toBe(0);
    await settle();
    expect(writes(accessLines('plain2', destinations).slice(before))).toEqual([]);
  });

  test('after deleting one destination: --dry-run reports exactly it and changes nothing; the re-run copies exactly it', async () => {
    await deleteManifest('plain2', `${destinations}/dst-7`, digests[7]!);
    expect(await tagsOf('plain2', `${destinations}/dst-7`)).toEqual([]);
    const plan = writePlan(destinations, 'yaml');

    const before = accessLines('plain2', destinations).length;
    const dry = await par(['promote', '--plan', plan, '--dry-run']);
    expectStatus(dry, 0);
    expect(dry.stdout).toMatch(/^ACTION +FROM +TO +DIGEST +TO SEND +BLOBS +REFERRERS +TIME +NOTE$/m);
    expect(dry.stdout).toMatch(new RegExp(`^would-promote +${plain}/${sources}/src-7:v1 +${plain2}/${destinations}/dst-7:v1 .*policy pass$`, 'm'));
    expect(dry.stdout).toContain(`dry run: ${ENTRIES} promotion(s): 1 would-promote, ${ENTRIES - 1} up-to-date`);
    const dryJson = await promotePlan(plan, ['--dry-run']);
    expect(dryJson.dryRun).toBe(true);
    expect(actions(dryJson)).toEqual({ 'would-promote': 1, 'up-to-date': ENTRIES - 1 });
    // The blobs are still in the repository (deleting a manifest keeps them): only the manifest would go over.
    expect(dryJson.promotions[7]).toMatchObject({ action: 'would-promote', copied: 1, skipped: 2, policy: 'pass' });
    await settle();
    expect(writes(accessLines('plain2', destinations).slice(before))).toEqual([]);
    expect(await tagsOf('plain2', `${destinations}/dst-7`)).toEqual([]);

    const report = await promotePlan(plan);
    expect(actions(report)).toEqual({ promoted: 1, 'up-to-date': ENTRIES - 1 });
    expect(report.promotions[7]).toMatchObject({ action: 'promoted', sourceDigest: digests[7], copied: 1, skipped: 2 });
    expect((await getManifest('plain2', `${destinations}/dst-7`, 'v1')).digest).toBe(digests[7]);

    const text = await par(['promote', '--plan', plan]);
    expectStatus(text, 0);
    expect(text.stdout).toContain(`${ENTRIES} promotion(s): ${ENTRIES} up-to-date; 0 B sent`);
  });

  test('a run killed in the middle (SIGKILL), then re-run, leaves every destination complete and correct', async () => {
    const killed = uniqueRepository('plan/killed');
    const plan = writePlan(killed, 'yaml', 1);
    const home = tempDir('par-plan-kill-');
    const logStart = registryLogSize('plain2');
    const child = spawn(process.execPath, [cliEntry, 'promote', '--plan', plan], {
      env: { PATH: process.env['PATH'] ?? '', HOME: home, DOCKER_CONFIG: join(home, '.docker'), WASH_KEYS: join(home, 'keys') },
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));

    // Wait (bounded) until the second entry has started uploading its blobs, then kill: the first entry is
    // complete, the second is cut off in the middle of its upload.
    const secondUploading = () => registryLogSince('plain2', logStart).includes(`"POST /v2/${killed}/dst-1/blobs/uploads/`);
    for (let i = 0; i < 2000 && !secondUploading() && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    const firstTagged = async () => (await getManifest('plain2', `${killed}/dst-0`, 'v1')).status === 200;
    expect(await exited).toBe('SIGKILL');

    await settle();
    // Complete means every tag of the entry is there (entry 0 also has `stable`).
    const completeAtKill = (await Promise.all(Array.from({ length: ENTRIES }, (_, i) => tagsOf('plain2', `${killed}/dst-${i}`)))).filter(
      (tags, i) => tags.includes('v1') && (i !== 0 || tags.includes('stable')),
    ).length;
    // The kill landed in the middle: some, not all, entries were done.
    expect(await firstTagged()).toBe(true);
    expect(completeAtKill).toBeLessThan(ENTRIES);

    const report = await promotePlan(plan);
    const counts = actions(report);
    expect((counts['promoted'] ?? 0) + (counts['up-to-date'] ?? 0)).toBe(ENTRIES);
    // Exactly the incomplete entries are promoted; the complete ones are not copied again.
    expect(counts['promoted']).toBe(ENTRIES - completeAtKill);
    await expectAllPromoted(killed);

    // And once more: nothing left to do.
    expect(actions(await promotePlan(plan))).toEqual({ 'up-to-date': ENTRIES });
  }, 120_000);

  test('a mixed plan reports each entry and exits with the policy refusal (4)', async () => {
    const target = uniqueRepository('plan/mixed');
    const plan = join(dir, 'mixed.yaml');
    writeFileSync(
      plan,
      [
        'defaults:',
        '  strict: true',
        `  requireIssuer: [${WASH_TEST_KEYS.issuer}]`,
        'promotions:',
        `  - from: ${plain}/${sources}/src-0:v1`,
        `    to: ${plain2}/${target}/ok:v1`,
        `  - from: ${plain}/${sources}/src-1:v1`,
        `    to: ${plain2}/${target}/arm:v1`,
        '    requireTarget: [aarch64-linux]',
        `  - from: ${plain}/${sources}/missing:v1`,
        `    to: ${plain2}/${target}/missing:v1`,
        '',
      ].join('\n'),
    );
    const run = await par(['promote', '--plan', plan, '--output', 'json']);
    expect(run.status).toBe(4);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.promotions.map((o) => o.action)).toEqual(['promoted', 'refused', 'failed']);
    expect(report.promotions[1]!.reasons).toEqual(['required target aarch64-linux is missing (has: x86_64-linux)']);
    expect(report.promotions[2]!.error).toContain(`${sources}/missing`);
    expect(run.stderr).toContain('2 of 3 promotion(s) did not complete');
    expect(await tagsOf('plain2', `${target}/ok`)).toEqual(['v1']);
    expect(await tagsOf('plain2', `${target}/arm`)).toEqual([]);

    // --report keeps the JSON in a file while the log shows the table, even when the run fails.
    const reportFile = join(dir, 'mixed-report.json');
    const text = await par(['promote', '--plan', plan, '--report', reportFile]);
    expect(text.status).toBe(4);
    expect(text.stdout).toMatch(/^refused +.*required target aarch64-linux is missing/m);
    expect(text.stdout).toContain('3 promotion(s): 1 up-to-date, 1 refused, 1 failed');
    const kept = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
    expect(kept.promotions.map((o) => o.action)).toEqual(['up-to-date', 'refused', 'failed']);
  });
});
