import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type * as Registry from '@par/registry';
import type { PreparedPromotion, PromoteOptions, PromotionOutcome, PromotionPolicy, Reference } from '@par/registry';
import { CliError } from '../errors.js';

/** The @par/registry module, loaded lazily by the caller. */
type RegistryLibrary = typeof Registry;
import { readWadmManifest, rewriteImages, type WadmImage } from './wadm-manifest.js';

/** `par promote --wadm FILE --to PREFIX [--write OUT]`, or a plan entry `wadm:`. */
export interface ApplicationEntry {
  wadm: string;
  /** `registry[/path]`, or `oci:DIR` for an air-gap bundle. */
  to: string;
  write?: string;
  policy: PromotionPolicy;
}

export type ImageAction = PromotionOutcome['action'] | 'left-alone' | 'not-copied';

/** One image of the application in the report. */
export interface ImageOutcome extends Omit<PromotionOutcome, 'action'> {
  component: string;
  type: string;
  image: string;
  line: number;
  action: ImageAction;
  /** What the rewritten manifest says for this image. */
  pinned?: string;
}

export interface ApplicationReport {
  wadm: string;
  application: string;
  to: string;
  /** The bundle the images were read from, when the manifest sits in one. */
  fromBundle?: string;
  dryRun: boolean;
  /** Files the rewritten manifest was written to (none when anything failed, or in a dry run). */
  written: string[];
  /** Would be written (dry run), or would have been (failure). */
  writeTo: string[];
  images: ImageOutcome[];
}

const LEFT_ALONE: Record<string, string> = {
  file: 'a file:// reference: left as written',
  builtin: 'a built-in provider: nothing to copy',
};

/**
 * Promotes every image of a wadm application through the policy gate, all or nothing: each image
 * is read and checked at its source first, and only when every one passes (or is already there)
 * are they copied; then the manifest is rewritten with each image pinned by digest at the
 * destination, everything else in the file kept. `oci:DIR` as the destination makes an air-gap
 * bundle (one OCI layout holding every image, the rewritten manifest beside it); a manifest read
 * from such a bundle takes its images from the bundle.
 */
export async function promoteApplication(entry: ApplicationEntry, options: PromoteOptions & { dryRun: boolean; concurrency: number }): Promise<ApplicationReport> {
  const registry = await import('@par/registry');
  const { mapWithConcurrency, preparePromotion, completePromotion } = registry;
  const text = await readManifestFile(entry.wadm);
  const manifest = await readWadmManifest(text, entry.wadm);
  const destination = parseDestination(entry.to, registry);
  const bundleDir = path.dirname(entry.wadm);
  const fromBundle = existsSync(path.join(bundleDir, 'oci-layout')) ? bundleDir : undefined;
  const writeTo = [...(destination.layout !== undefined ? [path.join(destination.layout, path.basename(entry.wadm))] : []), ...(entry.write !== undefined ? [entry.write] : [])];
  const report: ApplicationReport = {
    wadm: entry.wadm,
    application: manifest.images[0]?.application ?? '',
    to: entry.to,
    ...(fromBundle !== undefined ? { fromBundle } : {}),
    dryRun: options.dryRun,
    written: [],
    writeTo: [...new Set(writeTo)],
    images: [],
  };

  // Phase 1: read and check every image at its source; nothing is copied.
  const plans = manifest.images.map((image) => planImage(image, destination, fromBundle, entry.policy, registry));
  // A bundle directory is not created while checking (a refusal must leave nothing behind): the
  // layout is opened as in a dry run now, and for real only when copying.
  const prepared = await mapWithConcurrency(plans, options.concurrency, async (plan): Promise<PreparedPromotion | undefined> =>
    plan.entry === undefined
      ? undefined
      : preparePromotion(plan.entry, { ...options, dryRun: options.dryRun || destination.layout !== undefined, destinationByDigest: destination.layout !== undefined }),
  );
  const stopped = (action: string) => action === 'refused' || action === 'failed';
  const blocked =
    prepared.some((p) => p !== undefined && p.ready === undefined && stopped(p.outcome.action)) || plans.some((plan) => plan.settled !== undefined && stopped(plan.settled.action));

  // Phase 2: copy them all, or none. Into a layout one at a time: each copy rewrites its index.json.
  const copyConcurrency = destination.layout !== undefined ? 1 : options.concurrency;
  const outcomes = await mapWithConcurrency(prepared, copyConcurrency, async (p, index) => {
    const plan = plans[index]!;
    if (p === undefined) return plan.settled!;
    if (p.ready !== undefined && blocked) return imageOutcome(plan.image, { ...p.outcome, action: 'not-copied', reasons: ['another image of the application did not pass; nothing was copied'] });
    if (p.ready !== undefined && destination.layout !== undefined && !options.dryRun) {
      const common = { client: options.client, ...(options.defaultRegistry === undefined ? {} : { defaultRegistry: options.defaultRegistry }) };
      p.ready.destination = await registry.openLocation(plan.entry!.to, { ...common, role: 'destination', inherited: p.ready.digest });
    }
    const outcome = await completePromotion(p, options);
    const result = imageOutcome(plan.image, outcome);
    if (outcome.sourceDigest !== undefined && plan.pin !== undefined) result.pinned = plan.pin(outcome.sourceDigest);
    return result;
  });
  report.images = outcomes;

  const complete = outcomes.every((o) => ['promoted', 'up-to-date', 'would-promote', 'left-alone'].includes(o.action));
  if (complete && !options.dryRun) {
    const replacements = new Map<WadmImage, string>();
    for (const [index, outcome] of outcomes.entries()) {
      if (outcome.pinned !== undefined) replacements.set(plans[index]!.image, outcome.pinned);
    }
    const rewritten = rewriteImages(manifest, replacements);
    for (const file of report.writeTo) {
      await registry.writeFileAtomically(file, rewritten);
      report.written.push(file);
    }
  }
  return report;
}

interface ImagePlan {
  image: WadmImage;
  /** What to promote; undefined when the image is settled without a copy (left alone, unreadable). */
  entry?: { from: string; to: string; tags: string[]; policy: PromotionPolicy };
  settled?: ImageOutcome;
  /** The reference the rewritten manifest gets, given the digest. */
  pin?: (digest: string) => string;
}

interface Destination {
  /** `oci:DIR` → DIR. */
  layout?: string;
  /** `registry/path` prefix. */
  prefix?: string;
}

function planImage(image: WadmImage, destination: Destination, fromBundle: string | undefined, policy: PromotionPolicy, registry: RegistryLibrary): ImagePlan {
  const settle = (action: ImageAction, reason: string, extra: Partial<ImageOutcome> = {}): ImagePlan => ({
    image,
    settled: imageOutcome(image, { from: image.image, to: '-', action, bytes: 0, copied: 0, mounted: 0, skipped: 0, seconds: 0, referrers: { copied: 0, present: 0 }, policy: 'not-checked', reasons: [reason], ...extra }),
  });
  if (image.scheme !== 'oci') return settle('left-alone', LEFT_ALONE[image.scheme] ?? 'left as written', { policy: 'not-checked' });
  let source: Reference;
  try {
    source = registry.parseReference(image.reference);
  } catch (error) {
    return settle('failed', (error as Error).message, { kind: 'invalid' });
  }
  const name = registry.referenceName(source);
  const tagged = source.tag !== undefined ? `:${source.tag}` : '';
  let from = image.reference;
  if (fromBundle !== undefined) {
    if (source.digest === undefined) return settle('failed', `${image.image} is not pinned by digest, so the bundle ${fromBundle} cannot hold it`, { kind: 'not_found' });
    from = `oci:${fromBundle}:${source.digest}`;
  }
  if (destination.layout !== undefined) {
    // In a bundle the manifest keeps each image's own name, pinned: the bundle is found by digest.
    return { image, entry: { from, to: `oci:${destination.layout}`, tags: [], policy }, pin: (digest) => `${name}${tagged}@${digest}` };
  }
  const target = `${destination.prefix}/${source.repository}`;
  const to = source.tag !== undefined ? `${target}:${source.tag}` : `${target}@${source.digest}`;
  return { image, entry: { from, to, tags: [], policy }, pin: (digest) => `${target}${tagged}@${digest}` };
}

function imageOutcome(image: WadmImage, outcome: Omit<ImageOutcome, 'component' | 'type' | 'image' | 'line'> | PromotionOutcome): ImageOutcome {
  return { component: image.component, type: image.type, image: image.image, line: image.line, ...outcome };
}

/** `oci:DIR`, or `registry[/path]` (no tag, no digest): where every image goes. */
export function parseDestination(to: string, registry: RegistryLibrary): Destination {
  if (to.startsWith('oci:')) {
    const layout = registry.parseLayoutReference(to);
    if (layout.reference !== undefined) throw new CliError(`--to ${to}: an application bundle is a directory; give oci:DIR without a tag`);
    return { layout: layout.path };
  }
  const slash = to.indexOf('/');
  const prefix = slash < 0 ? '' : to.slice(slash + 1).replace(/\/+$/, '');
  if (to.includes('@') || prefix.includes(':')) throw new CliError(`--to ${to}: a destination prefix is registry[/path], with no tag or digest`);
  const host = registry.normalizeRegistry(slash < 0 ? to : to.slice(0, slash));
  if (prefix !== '') {
    try {
      registry.parseRepository(`${host}/${prefix}`); // validates the path components
    } catch (error) {
      throw new CliError(`--to ${to}: ${(error as Error).message.replace(/^invalid reference "[^"]*": /, '')}`);
    }
  }
  return { prefix: prefix === '' ? host : `${host}/${prefix}` };
}

async function readManifestFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read wadm manifest ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(error))}`, code === 'ENOENT' ? 'not_found' : 'failure');
  }
}

/** The references an application names (for per-side credentials), without checking anything else. */
export async function applicationSources(wadm: string): Promise<string[]> {
  const manifest = await readWadmManifest(await readManifestFile(wadm), wadm);
  return manifest.images.filter((image) => image.scheme === 'oci').map((image) => image.reference);
}
