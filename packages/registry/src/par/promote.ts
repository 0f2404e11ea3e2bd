import type { ArchiveContents } from '@par/archive';
import { errorKind, ParError, type ErrorKind } from '@par/errors';
import { copy, copyReferrers, type CopyResult } from '../content/copy.js';
import { missingReferrerTypes } from '../content/referrers.js';
import { referrersOption } from './copy-artifact.js';
import type { RegistryClient } from '../remote/client.js';
import { findParLayer } from './find-par.js';
import { openLocation, type Location } from './locations.js';
import { readArtifactManifest, readComponentArtifact, type ArtifactKind } from './component-read.js';

/** The checks a par must pass at the source before it may be copied. */
export interface PromotionPolicy {
  /** Also verify the signature, key types and validity period. */
  strict: boolean;
  /** Accept only these issuer account keys (empty: any). */
  requireIssuer: string[];
  /** Targets the archive must hold, e.g. x86_64-linux. */
  requireTarget: string[];
  /** Artifact types the source must have referrers of (presence and type, not a signature's cryptography); default none. */
  requireReferrer?: string[];
}

export interface Promotion {
  /** Source location: a registry reference or `oci:PATH[:REF]`. */
  from: string;
  to: string;
  /** Extra tags at the destination. */
  tags: string[];
  policy: PromotionPolicy;
  /** OCI referrers carried along: none (false), or direct referrers of these artifact types ([] = all, the default). */
  referrers?: false | string[];
}

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
  /** Referrer manifests (signatures, SBOMs, attestations) carried: pushed, or already there. */
  referrers: { copied: number; present: number };
  policy: 'pass' | 'fail' | 'not-checked';
  reasons?: string[];
  error?: string;
  /** Exit-status kind of a failure (not_found, unauthorized, verification, …). */
  kind?: ErrorKind;
}

export interface PromoteOptions {
  client: RegistryClient;
  defaultRegistry?: string;
  /** Check the policy and say what would be copied; change nothing. */
  dryRun?: boolean;
  /** Stops the transfer (the user interrupted it): uploads are cancelled, local writes rolled back. */
  signal?: AbortSignal;
}

/**
 * Promotes one artifact: if the destination already holds the source's digest under every tag,
 * nothing happens (re-runs are idempotent); otherwise the artifact is checked at the source — a
 * par against the policy, a Wasm component for being a valid component with the right digests —
 * and only then copied: a refusal leaves the destination untouched. Never throws: a failure is an
 * outcome, so one bad entry of a plan does not hide the others.
 */
export async function promoteArtifact(promotion: Promotion, options: PromoteOptions): Promise<PromotionOutcome> {
  return completePromotion(await preparePromotion(promotion, options), options);
}

/** A promotion checked at the source and ready to copy (or already settled: up to date, refused, failed). */
export interface PreparedPromotion {
  outcome: PromotionOutcome;
  /** Set when the policy passed and the destination lacks the artifact: what completePromotion copies. */
  ready?: { source: Location; destination: Location; digest: string; tags: string[]; referrers?: false | string[] | undefined };
  started: number;
}

export interface PreparePromotionOptions extends PromoteOptions {
  /**
   * A destination that names no tag or digest takes the source's digest rather than its tag, and
   * is listed by it (several images into one layout: a wadm bundle).
   */
  destinationByDigest?: boolean;
}

/**
 * The first half of a promotion: resolve, read and check the source, see whether the destination
 * is up to date. Copies nothing, so a caller holding several (a wadm application) can copy all or none.
 */
export async function preparePromotion(promotion: Promotion, options: PreparePromotionOptions): Promise<PreparedPromotion> {
  const started = performance.now();
  const dryRun = options.dryRun === true;
  // sourceDigest is declared up front so the JSON report lists it right after from and to.
  const outcome: PromotionOutcome = {
    from: promotion.from,
    to: promotion.to,
    sourceDigest: undefined,
    artifact: undefined,
    action: 'failed',
    bytes: 0,
    copied: 0,
    mounted: 0,
    skipped: 0,
    seconds: 0,
    referrers: { copied: 0, present: 0 },
    policy: 'not-checked',
  };
  const settle = (): PreparedPromotion => {
    outcome.seconds = Math.round(performance.now() - started) / 1000;
    return { outcome, started };
  };
  const common = { client: options.client, ...(options.defaultRegistry === undefined ? {} : { defaultRegistry: options.defaultRegistry }) };
  try {
    const source = await openLocation(promotion.from, { ...common, role: 'source' });
    const artifact = await readArtifactManifest(source.target, source.reference);
    const digest = artifact.descriptor.digest;
    const inherited = options.destinationByDigest === true ? digest : source.reference || digest;
    const destination = await openLocation(promotion.to, { ...common, role: 'destination', inherited, dryRun });
    outcome.sourceDigest = digest;
    outcome.artifact = artifact.kind;
    outcome.from = source.display;
    outcome.to = destination.display;

    // Presence and type of referrers, checked first: a refusal copies nothing, not even referrers.
    const missing = await missingReferrerTypes(source.target, artifact.descriptor, promotion.policy.requireReferrer ?? []);
    if (missing.length > 0) {
      outcome.action = 'refused';
      outcome.policy = 'fail';
      outcome.reasons = missing.map((type) => `required referrer of type ${type} is missing at the source`);
      outcome.kind = 'verification';
      return settle();
    }

    if (await alreadyPromoted(destination, digest, promotion.tags)) {
      outcome.action = 'up-to-date';
      // What was attached at the source since the last run still travels.
      if (promotion.referrers !== false) {
        const carried = await copyReferrers(source.target, artifact.descriptor, destination.target, {
          artifactTypes: promotion.referrers ?? [],
          dryRun,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        });
        addCounts(outcome, carried);
        if (carried.referrers.copied > 0) outcome.action = dryRun ? 'would-promote' : 'promoted';
      }
      return settle();
    }

    const failures = artifact.kind === 'component' ? (await readComponentArtifact(source.target, artifact, source.display)).problems : await parFailures(source, digest, promotion.policy);
    outcome.policy = failures.length === 0 ? 'pass' : 'fail';
    if (failures.length > 0) {
      outcome.action = 'refused';
      outcome.reasons = failures;
      outcome.kind = 'verification';
      await destination.discard();
      return settle();
    }
    // An OCI layout lists a manifest in index.json only when tagged: by its digest, for a layout holding many.
    const tags = options.destinationByDigest === true && destination.reference === digest ? [...promotion.tags, digest] : promotion.tags;
    return { outcome, ready: { source, destination, digest, tags, referrers: promotion.referrers }, started };
  } catch (error) {
    recordFailure(outcome, error);
    return settle();
  }
}

/** The second half: copy what preparePromotion checked (or, in a dry run, count what would be copied). */
export async function completePromotion(prepared: PreparedPromotion, options: { dryRun?: boolean; signal?: AbortSignal }): Promise<PromotionOutcome> {
  const { outcome, ready } = prepared;
  if (ready === undefined) return outcome;
  const dryRun = options.dryRun === true;
  try {
    const result = await copy(ready.source.target, ready.digest, ready.destination.target, ready.destination.reference, {
      tags: ready.tags,
      dryRun,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      referrers: referrersOption(ready.referrers),
    });
    outcome.action = dryRun ? 'would-promote' : 'promoted';
    addCounts(outcome, result);
  } catch (error) {
    recordFailure(outcome, error);
  } finally {
    outcome.seconds = Math.round(performance.now() - prepared.started) / 1000;
  }
  return outcome;
}

/** Provider-only rules (hashes, --strict, issuer, targets) for a par. */
async function parFailures(source: Location, digest: string, policy: PromotionPolicy): Promise<string[]> {
  const archive = await import('@par/archive');
  const par = await findParLayer(source.target, digest, source.display);
  return policyFailures(await par.read((bytes) => archive.readArchive(bytes)), policy);
}

function recordFailure(outcome: PromotionOutcome, error: unknown): void {
  outcome.action = 'failed';
  outcome.error = error instanceof Error ? error.message : String(error);
  outcome.kind = errorKind(error);
}

/**
 * The gate a par must pass at the source before promotion: archive verification (hashes, and with
 * `strict` the signature and keys), an allowed issuer, and the targets production needs.
 * Returns the reasons it fails; empty means it passes.
 */
export async function policyFailures(contents: ArchiveContents, policy: PromotionPolicy): Promise<string[]> {
  const archive = await import('@par/archive');
  const report = archive.verifyArchive(contents, {
    strict: policy.strict,
    ...(policy.requireIssuer.length > 0 ? { allowedIssuers: policy.requireIssuer } : {}),
  });
  const failures = report.problems.map((problem) => problem.message);
  const present = new Set(contents.entries.map((entry) => entry.target));
  for (const target of policy.requireTarget) {
    if (!present.has(target)) failures.push(`required target ${target} is missing (has: ${[...present].sort().join(', ') || 'none'})`);
  }
  return failures;
}

function addCounts(outcome: PromotionOutcome, result: CopyResult): void {
  outcome.bytes += result.bytes;
  outcome.copied += result.copied;
  outcome.mounted += result.mounted;
  outcome.skipped += result.skipped;
  outcome.referrers = { ...result.referrers };
}

async function alreadyPromoted(destination: Location, digest: string, tags: string[]): Promise<boolean> {
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
