import { errorKind, ParError, type ErrorKind } from '@par/errors';
import type { RegistryClient } from '@par/registry';
import type { RegistryFlags } from '../registry-options.js';
import { openTarget, type OpenedTarget } from '../targets.js';
import { findParLayer } from '../par-artifact.js';
import { policyFailures } from './policy.js';
import type { PromotionEntry } from './plan.js';

export type PromotionAction = 'promoted' | 'up-to-date' | 'refused' | 'failed' | 'would-promote';

/** One line of the promotion report (the JSON a pipeline keeps). */
export interface PromotionOutcome {
  from: string;
  to: string;
  sourceDigest?: string;
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

/**
 * Promotes one artifact: if the destination already holds the source's digest under every tag,
 * nothing happens (re-runs are idempotent); otherwise the par is verified at the source against
 * the policy, and only then copied — a refusal leaves the destination untouched.
 */
export async function promote(entry: PromotionEntry, client: RegistryClient, flags: RegistryFlags, options: { dryRun: boolean }): Promise<PromotionOutcome> {
  const started = performance.now();
  // sourceDigest is declared up front so the JSON report lists it right after from and to.
  const outcome: PromotionOutcome = {
    from: entry.from,
    to: entry.to,
    sourceDigest: undefined,
    action: 'failed',
    bytes: 0,
    copied: 0,
    mounted: 0,
    skipped: 0,
    seconds: 0,
    policy: 'not-checked',
  };
  try {
    const source = await openTarget(entry.from, client, flags, 'source');
    const par = await findParLayer(source.target, source.reference);
    const destination = await openTarget(entry.to, client, flags, 'destination', {
      inherited: source.reference || par.manifest.digest,
      dryRun: options.dryRun,
    });
    outcome.sourceDigest = par.manifest.digest;
    outcome.from = source.display;
    outcome.to = destination.display;

    if (await alreadyPromoted(destination, par.manifest.digest, entry.tags)) {
      outcome.action = 'up-to-date';
      return outcome;
    }

    const archive = await import('@par/archive');
    const failures = await policyFailures(await archive.readArchive(await par.open()), entry.policy);
    outcome.policy = failures.length === 0 ? 'pass' : 'fail';
    if (failures.length > 0) {
      outcome.action = 'refused';
      outcome.reasons = failures;
      outcome.kind = 'verification';
      return outcome;
    }

    const registry = await import('@par/registry');
    const result = await registry.copy(source.target, par.manifest.digest, destination.target, destination.reference, {
      tags: entry.tags,
      dryRun: options.dryRun,
    });
    outcome.action = options.dryRun ? 'would-promote' : 'promoted';
    outcome.bytes = result.bytes;
    outcome.copied = result.copied;
    outcome.mounted = result.mounted;
    outcome.skipped = result.skipped;
    return outcome;
  } catch (error) {
    outcome.action = 'failed';
    outcome.error = error instanceof Error ? error.message.split('\n')[0] : String(error);
    outcome.kind = errorKind(error);
    return outcome;
  } finally {
    outcome.seconds = Math.round(performance.now() - started) / 1000;
  }
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
