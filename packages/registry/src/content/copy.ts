import { type Readable, Transform, pipeline } from 'node:stream';
import { createVerifier } from '../oci/digest.js';
import { interruptedError, RegistryError } from '../oci/errors.js';
import { manifestChildren, parseManifest } from '../oci/manifest.js';
import { isManifestMediaType, MAX_MANIFEST_SIZE } from '../oci/manifest.js';
import { limiter, type Limiter } from './limiter.js';
import type { Content, Target } from './target.js';
import type { Descriptor } from '../oci/descriptor.js';
import { filterReferrers } from '../oci/referrers.js';
import { findCosignLegacyTags } from './cosign-tags.js';

export type CopyAction = 'copied' | 'skipped' | 'mounted';

export interface CopyEvent {
  descriptor: Descriptor;
  action: CopyAction;
  /** Bytes moved for this node (0 when skipped or mounted). */
  bytes: number;
}

export interface CopyOptions {
  /** More tags to point at the copied root in the destination. */
  tags?: string[];
  /** Blobs in flight at once (default 3). */
  concurrency?: number;
  /** Bytes uploaded since the previous call, across all blobs. */
  onProgress?: (bytes: number) => void;
  /** One event per node of the graph (blobs and manifests, the root included). */
  onBlob?: (event: CopyEvent) => void;
  /** Check what the destination lacks, push nothing. */
  dryRun?: boolean;
  /**
   * Stops the copy (the user interrupted it): reads and writes in flight fail, so a local
   * destination removes its temporary file and a registry upload is cancelled; nothing new starts.
   */
  signal?: AbortSignal;
  /**
   * Runs once every blob is in place and before the root manifest is pushed or tagged; a
   * rejection stops the copy there. Push uses it to finish verifying the archive it uploaded, so
   * no manifest ever names content that failed verification.
   */
  beforeCommit?: () => Promise<void>;
  /**
   * Carry the root's OCI 1.1 referrers (signatures, SBOMs, attestations) too, recursively: after
   * the root and before its tags, with the same skip/mount/stream rules. `artifactTypes` narrows
   * the root's direct referrers; whatever refers to those comes along. Needs both targets to
   * support referrers; default off.
   */
  referrers?: boolean | { artifactTypes?: string[] };
}

/** Referrer manifests carried by a copy: pushed, or already at the destination. */
export interface ReferrersCopied {
  copied: number;
  present: number;
}

export interface CopyResult {
  /** The root manifest, as copied (same bytes, same digest). */
  descriptor: Descriptor;
  copied: number;
  skipped: number;
  mounted: number;
  /** Bytes transferred (or, in a dry run, that would be). */
  bytes: number;
  referrers: ReferrersCopied;
}

const DEFAULT_CONCURRENCY = 3;

/**
 * oras-go's Copy: resolves `sourceRef`, walks the manifest graph (index → manifests → config and
 * layers), and gives the destination every node it lacks — children before parents, mounting
 * within one registry, streaming otherwise — then tags the root. Manifest bytes are copied as
 * fetched, never re-serialised. `destinationRef` defaults to `sourceRef` when that is a tag.
 */
export async function copy(
  source: Target,
  sourceRef: string,
  destination: Target,
  destinationRef: string | undefined,
  options: CopyOptions = {},
): Promise<CopyResult> {
  const root = await source.resolve(sourceRef);
  const tags = new Set<string>();
  const primary = destinationRef ?? (sourceRef.includes(':') ? undefined : sourceRef);
  if (primary !== undefined && !primary.includes(':')) tags.add(primary);
  for (const tag of options.tags ?? []) tags.add(tag);
  const run = new GraphCopy(source, destination, root, options, [...tags][0]);
  await run.copyNode(root);
  await run.commit();
  // The subject is at the destination (its first tag with it); its referrers follow, then the other tags.
  const referrers = options.referrers ?? false;
  if (referrers !== false) await run.copyReferrers(root, referrers === true ? undefined : referrers.artifactTypes);
  if (!options.dryRun) {
    for (const tag of tags) if (tag !== run.taggedWithRoot) await destination.tag(root, tag);
  }
  return { descriptor: root, ...run.totals, referrers: run.referrers };
}

/**
 * Copies only the referrers of `subject` (already at the destination), recursively: a promotion
 * re-run carries what was attached since, without touching the subject or its tags.
 */
export async function copyReferrers(
  source: Target,
  subject: Descriptor,
  destination: Target,
  options: Omit<CopyOptions, 'tags' | 'beforeCommit' | 'referrers'> & { artifactTypes?: string[] } = {},
): Promise<CopyResult> {
  const run = new GraphCopy(source, destination, subject, options);
  await run.copyReferrers(subject, options.artifactTypes);
  return { descriptor: subject, ...run.totals, referrers: run.referrers };
}

/** Referrer chains deeper than this are not followed (a signature of an SBOM is depth 2). */
const MAX_REFERRER_DEPTH = 16;

class GraphCopy {
  readonly totals = { copied: 0, skipped: 0, mounted: 0, bytes: 0 };
  readonly referrers: ReferrersCopied = { copied: 0, present: 0 };
  /** Subjects whose referrers were already walked (referrers could, maliciously, form a circle). */
  readonly #walked = new Set<string>();
  readonly #source: Target;
  readonly #destination: Target;
  readonly #options: CopyOptions;
  readonly #limit: Limiter;
  readonly #root: Descriptor;
  #commit: Promise<void> | undefined;
  /** One copy per digest even when several parents share a child. */
  readonly #nodes = new Map<string, Promise<CopyAction>>();
  readonly #canMount: boolean;
  /** The first failure of any task; set once, it stops every task not yet started. */
  #failure: { error: unknown } | undefined;
  /** The tag to store the root under in the same request as the root itself, if any. */
  readonly #rootTag: string | undefined;
  /** The tag the root was pushed under (so it needs no tagging afterwards). */
  taggedWithRoot: string | undefined;

  constructor(source: Target, destination: Target, root: Descriptor, options: CopyOptions, rootTag?: string) {
    this.#root = root;
    this.#rootTag = rootTag;
    this.#source = source;
    this.#destination = destination;
    this.#options = options;
    this.#limit = limiter(Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY));
    this.#canMount = destination.mount !== undefined && destination.canMountFrom?.(source) === true;
  }

  /**
   * Lists `subject`'s referrers at the source, copies each one's graph (the subject is already
   * there: ORAS's order), makes them findable at the destination in one merge, then walks their
   * own referrers.
   */
  async copyReferrers(subject: Descriptor, artifactTypes: string[] | undefined, depth = 0): Promise<void> {
    const from = this.#source.referrers;
    const to = this.#destination.referrers;
    if (from === undefined || to === undefined || depth >= MAX_REFERRER_DEPTH || this.#walked.has(subject.digest)) return;
    this.#walked.add(subject.digest);
    const found = filterReferrers(await from.list(subject), artifactTypes).filter((r) => isManifestMediaType(r.mediaType));
    const actions = await Promise.all(found.map((referrer) => this.copyNode(referrer)));
    for (const action of actions) this.referrers[action === 'skipped' ? 'present' : 'copied']++;
    if (found.length > 0 && !this.#options.dryRun) await to.index(subject, found);
    if (depth === 0 && (artifactTypes === undefined || artifactTypes.length === 0)) await this.#copyCosignLegacyTags(subject);
    for (const referrer of found) await this.copyReferrers(referrer, undefined, depth + 1);
  }

  /** cosign's legacy `sha256-<hex>.sig|.att|.sbom` tags travel too (as `regctl image copy --digest-tags` does). */
  async #copyCosignLegacyTags(subject: Descriptor): Promise<void> {
    for (const { tag, descriptor } of await findCosignLegacyTags(this.#source, subject)) {
      const action = await this.copyNode(descriptor);
      this.referrers[action === 'skipped' ? 'present' : 'copied']++;
      if (this.#options.dryRun) continue;
      const there = await this.#destination.resolve(tag).catch(() => undefined);
      if (there?.digest !== descriptor.digest) await this.#destination.tag(descriptor, tag);
    }
  }

  copyNode(descriptor: Descriptor): Promise<CopyAction> {
    if (this.#options.signal?.aborted) return Promise.reject(interruptedError('copy'));
    let node = this.#nodes.get(descriptor.digest);
    if (!node) {
      node = isManifestMediaType(descriptor.mediaType) ? this.#copyManifest(descriptor) : this.#run(() => this.#copyBlob(descriptor));
      // Any failure of a node (an invalid child manifest too, not only a request) stops what is pending.
      node.catch((error: unknown) => {
        this.#failure ??= { error };
      });
      this.#nodes.set(descriptor.digest, node);
    }
    return node;
  }

  /**
   * Runs one request-sized task within the concurrency limit. After the first failure nothing
   * waiting starts: an index of 25,000 children must not go on fetching after its first error.
   * Manifest fetches go through here too, one request per slot; a manifest never holds a slot
   * while it waits for its children (that could deadlock nested indexes).
   */
  #run<T>(task: () => Promise<T>): Promise<T> {
    return this.#limit(async () => {
      if (this.#failure !== undefined) throw this.#failure.error;
      try {
        return await task();
      } catch (error) {
        this.#failure ??= { error };
        throw error;
      }
    });
  }

  /** The `beforeCommit` hook, run at most once (before the root push, or before tagging). */
  commit(): Promise<void> {
    this.#commit ??= this.#options.beforeCommit?.() ?? Promise.resolve();
    return this.#commit;
  }

  #record(descriptor: Descriptor, action: CopyAction, bytes: number): void {
    this.totals[action]++;
    this.totals.bytes += bytes;
    this.#options.onBlob?.({ descriptor, action, bytes });
  }

  async #copyManifest(descriptor: Descriptor): Promise<CopyAction> {
    // A manifest the destination has implies its whole graph (the registry enforced it).
    // One slot for the check and the fetch: a wide index walks child by child, so its first
    // failure comes early instead of after a check of every child.
    const bytes = await this.#run(async () => ((await this.#destination.exists(descriptor)) ? undefined : readManifestBytes(this.#source, descriptor)));
    if (bytes === undefined) {
      this.#record(descriptor, 'skipped', 0);
      return 'skipped';
    }
    const children = manifestChildren(parseManifest(bytes, descriptor.mediaType));
    await Promise.all(children.map((child) => this.copyNode(child)));
    const isRoot = descriptor.digest === this.#root.digest;
    if (isRoot) await this.commit();
    if (!this.#options.dryRun) {
      const tag = isRoot ? this.#rootTag : undefined;
      const pushTagged = this.#destination.pushTagged?.bind(this.#destination);
      if (tag !== undefined && pushTagged !== undefined) {
        // The root and its first tag in one request.
        await this.#run(() => pushTagged(descriptor, bytes, tag));
        this.taggedWithRoot = tag;
      } else {
        await this.#run(() => this.#destination.push(descriptor, bytes));
      }
    }
    this.#record(descriptor, 'copied', bytes.length);
    return 'copied';
  }

  async #copyBlob(descriptor: Descriptor): Promise<CopyAction> {
    // Within one registry a mount is one request whether or not the destination has the blob
    // (a registry answers 201 for a blob it holds): no existence check first.
    if (this.#canMount && !this.#options.dryRun && (await this.#destination.mount?.(descriptor, this.#source))) {
      this.#record(descriptor, 'mounted', 0);
      return 'mounted';
    }
    if (await this.#destination.exists(descriptor)) {
      this.#record(descriptor, 'skipped', 0);
      return 'skipped';
    }
    if (this.#options.dryRun) {
      // Within one registry the real run mounts the blob from the source repository, which holds it.
      const action = this.#canMount ? 'mounted' : 'copied';
      this.#record(descriptor, action, action === 'mounted' ? 0 : descriptor.size);
      return action;
    }
    const progress = this.#options.onProgress;
    const signal = this.#options.signal;
    // #content verifies what it reads, so the destination need not hash it again.
    await this.#destination.push(descriptor, this.#content(descriptor), {
      verified: true,
      ...(progress ? { onProgress: progress } : {}),
      ...(signal ? { signal } : {}),
    });
    this.#record(descriptor, 'copied', descriptor.size);
    return 'copied';
  }

  /** A content factory: each (re)try re-fetches from the source; nothing goes to disk or memory whole. */
  #content(descriptor: Descriptor): Content {
    const sourceVerifies = this.#source.verifiesOnFetch === true;
    // A registry checks every upload against its `?digest=` itself: hashing on our side too would
    // only cost CPU on the transfer's critical path.
    const destinationVerifies = this.#destination.verifiesOnPush === true;
    const signal = this.#options.signal;
    return async (offset: number): Promise<Readable> => {
      const stream = await this.#source.fetch(descriptor, {
        ...(destinationVerifies ? { digestCheckedDownstream: true } : {}),
        ...(signal ? { signal } : {}),
      });
      if (offset > 0) return chain(stream, skipBytes(offset));
      return sourceVerifies || destinationVerifies ? stream : chain(stream, createVerifier(descriptor, { reference: descriptor.digest }));
    };
  }
}

/** Pipes `from` into `to` so that an error on either side reaches the reader of `to`. */
function chain(from: Readable, to: Transform): Transform {
  pipeline(from, to, () => {
    // Errors surface on `to`, which the consumer reads.
  });
  return to;
}

function skipBytes(count: number): Transform {
  let remaining = count;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (remaining >= chunk.length) {
        remaining -= chunk.length;
        return callback();
      }
      const rest = chunk.subarray(remaining);
      remaining = 0;
      callback(null, rest);
    },
  });
}

/** Reads a manifest from a target, verified against its descriptor, refusing anything huge. */
export async function readManifestBytes(target: Target, descriptor: Descriptor): Promise<Uint8Array> {
  if (descriptor.size > MAX_MANIFEST_SIZE) {
    throw new RegistryError(`manifest ${descriptor.digest} is ${descriptor.size} bytes, more than the ${MAX_MANIFEST_SIZE} accepted`, {
      kind: 'invalid',
      operation: 'copy',
      reference: descriptor.digest,
    });
  }
  const verified = chain(await target.fetch(descriptor), createVerifier(descriptor, { reference: descriptor.digest }));
  const chunks: Buffer[] = [];
  for await (const chunk of verified) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
