import { errorKind, ParError, type ErrorKind } from '@par/errors';
import type { RegistryClient } from '@par/registry';
import type { RegistryFlags } from '../registry-options.js';
import { openTarget, type OpenedTarget } from '../targets.js';
import { findParLayer } from '../par-artifact.js';
import { readArtifactManifest, readComponentArtifact, type ArtifactKind } from '../component-artifact.js';
import { policyFailures } from './policy.js';
import type { PromotionEntry } from './plan.js';

export type PromotionAction = 'promoted' | 'up-to-date' | 'refused' | 'failed' | 'would-promote';

/** One line of the promotion report (the JSON a pipeline keeps). */
export interface PromotionOutcome {
  from: string;
  to: string;
  sourceDigest?: string;
  /** What the source holds: a provider archive or a Wasm component. */
  artifact?: ArtifactKind;
  action: PromotionAction;
  /** Blob bytes sent to the destination. */
  bytes: number;
  copied: number;
  mounted: number;
  skipped: number;
  seconds: number;
  policy: 'pass' | 'fail' | 'not-checked';
  reasons?: string[];
  error?: string;
  /** Exit-status kind of a failure (not_found, unauthorized, verification, …). */
  kind?: ErrorKind;
}

/** A promotion checked at the source and ready to copy (or already settled: up to date, refused, failed). */
export interface PreparedPromotion {
  outcome: PromotionOutcome;
  /** Set when the policy passed and the destination lacks the artifact: what completePromotion copies. */
  ready?: { source: OpenedTarget; destination: OpenedTarget; digest: string; tags: string[] };
  started: number;
}

/**
 * Promotes one artifact: if the destination already holds the source's digest under every tag,
 * nothing happens (re-runs are idempotent); otherwise the artifact is checked at the source — a
 * par against the policy, a component for being a valid component — and only then copied: a
 * refusal leaves the destination untouched.
 */
export async function promote(entry: PromotionEntry, client: RegistryClient, flags: RegistryFlags, options: { dryRun: boolean }): Promise<PromotionOutcome> {
  const prepared = await preparePromotion(entry, client, flags, options);
  return completePromotion(prepared, options);
}

/**
 * The first half of a promotion: resolve, read and check the source, see whether the destination
 * is up to date. Copies nothing, so a caller holding several (a wadm application) can copy all or none.
 */
export async function preparePromotion(
  entry: PromotionEntry,
  client: RegistryClient,
  flags: RegistryFlags,
  options: {
    dryRun: boolean;
    /** A destination that names no tag or digest takes the source's digest rather than its tag (several images into one layout). */
    destinationByDigest?: boolean;
  },
): Promise<PreparedPromotion> {
  const started = performance.now();
  // sourceDigest is declared up front so the JSON report lists it right after from and to.
  const outcome: PromotionOutcome = {
    from: entry.from,
    to: entry.to,
    sourceDigest: undefined,
    artifact: undefined,
    action: 'failed',
    bytes: 0,
    copied: 0,
    mounted: 0,
    skipped: 0,
    seconds: 0,
    policy: 'not-checked',
  };
  const settle = (): PreparedPromotion => {
    outcome.seconds = Math.round(performance.now() - started) / 1000;
    return { outcome, started };
  };
  try {
    const source = await openTarget(entry.from, client, flags, 'source');
    const artifact = await readArtifactManifest(source.target, source.reference);
    const destination = await openTarget(entry.to, client, flags, 'destination', {
      inherited: options.destinationByDigest === true ? artifact.descriptor.digest : source.reference || artifact.descriptor.digest,
      dryRun: options.dryRun,
    });
    outcome.sourceDigest = artifact.descriptor.digest;
    outcome.artifact = artifact.kind;
    outcome.from = source.display;
    outcome.to = destination.display;

    if (await alreadyPromoted(destination, artifact.descriptor.digest, entry.tags)) {
      outcome.action = 'up-to-date';
      return settle();
    }

    const failures = artifact.kind === 'component' ? (await readComponentArtifact(source.target, artifact, source.display)).problems : await parFailures(source, artifact.descriptor.digest, entry);
    outcome.policy = failures.length === 0 ? 'pass' : 'fail';
    if (failures.length > 0) {
      outcome.action = 'refused';
      outcome.reasons = failures;
      outcome.kind = 'verification';
      return settle();
    }
    // An OCI layout lists a manifest in index.json only when tagged; by its digest, for a layout holding many.
    const tags = options.destinationByDigest === true && destination.reference === artifact.descriptor.digest ? [...entry.tags, artifact.descriptor.digest] : entry.tags;
    return { outcome, ready: { source, destination, digest: artifact.descriptor.digest, tags }, started };
  } catch (error) {
    recordFailure(outcome, error);
    return settle();
  }
}

/** The second half: copy what preparePromotion checked (or, in a dry run, count what would be copied). */
export async function completePromotion(prepared: PreparedPromotion, options: { dryRun: boolean }): Promise<PromotionOutcome> {
  const { outcome, ready } = prepared;
  if (ready === undefined) return outcome;
  try {
    const registry = await import('@par/registry');
    const result = await registry.copy(ready.source.target, ready.digest, ready.destination.target, ready.destination.reference, {
      tags: ready.tags,
      dryRun: options.dryRun,
    });
    outcome.action = options.dryRun ? 'would-promote' : 'promoted';
    outcome.bytes = result.bytes;
    outcome.copied = result.copied;
    outcome.mounted = result.mounted;
    outcome.skipped = result.skipped;
  } catch (error) {
    recordFailure(outcome, error);
  } finally {
    outcome.seconds = Math.round(performance.now() - prepared.started) / 1000;
  }
  return outcome;
}

/** Provider-only rules (hashes, --strict, issuer, targets) for a par. */
async function parFailures(source: OpenedTarget, digest: string, entry: PromotionEntry): Promise<string[]> {
  const archive = await import('@par/archive');
  const par = await findParLayer(source.target, digest, source.display);
  return policyFailures(await archive.readArchive(await par.open()), entry.policy);
}

function recordFailure(outcome: PromotionOutcome, error: unknown): void {
  outcome.action = 'failed';
  outcome.error = error instanceof Error ? error.message.split('\n')[0] : String(error);
  outcome.kind = errorKind(error);
}

async function alreadyPromoted(destination: OpenedTarget, digest: string, tags: string[]): Promise<boolean> {
  for (const reference of [destination.reference, ...tags]) {
    try {
      if ((await destination.target.resolve(reference)).digest !== digest) return false;
    } catch (error) {
      if (error instanceof ParError && error.kind === 'not_found') return false;
      throw error;
    }
  }
  return true;
}

/** Runs `work` over `items` with at most `limit` in flight, keeping the results in input order. */
export async function mapWithConcurrency<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  // At least one worker, or a zero limit would silently skip every item.
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
