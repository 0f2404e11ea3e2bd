import type { Readable } from 'node:stream';
import type { Descriptor } from '../oci/descriptor.js';

/**
 * Bytes to store: small content (manifests, configs) as a buffer, large content as a factory
 * that opens a stream at a byte offset, so an upload can be retried or resumed without holding
 * the blob in memory.
 */
export type Content = Uint8Array | ((offset: number) => Promise<Readable>);

export interface TransferOptions {
  /** Called with the number of bytes moved since the previous call. */
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
  /**
   * The content stream already fails unless it matches the descriptor (copy verifies what it
   * reads), so a destination need not hash it a second time. It still never commits a stream
   * that failed.
   */
  verified?: boolean;
  /**
   * For fetch: whoever consumes the bytes checks the digest (a registry checks an upload against
   * its `?digest=`), so the source need not hash them; sizes are still checked.
   */
  digestCheckedDownstream?: boolean;
}

/**
 * A place that holds content: a registry repository, an OCI image layout, a par file.
 * Push, pull, copy, export and promotion are all one copy algorithm between two targets.
 */
export interface Target {
  /** Resolves a tag or digest to the descriptor of the manifest it names. */
  resolve(reference: string): Promise<Descriptor>;
  /** Opens the bytes of a blob or manifest. Callers verify digest and size while reading. */
  fetch(descriptor: Descriptor, options?: TransferOptions): Promise<Readable>;
  exists(descriptor: Descriptor): Promise<boolean>;
  /**
   * Stores a blob or manifest under its digest. The storage contract: what is stored matches the
   * descriptor. A local target hashes what it receives unless `options.verified` says the same
   * copy already verified those bytes; a registry relies on its `?digest=` check. A push that
   * fails stores nothing.
   */
  push(descriptor: Descriptor, content: Content, options?: TransferOptions): Promise<void>;
  /** Points a tag at a manifest already pushed. */
  tag(descriptor: Descriptor, reference: string): Promise<void>;

  // Optional capabilities: copy asks a target what it can do, never what class it is.

  /** Fetched streams fail unless their bytes match the descriptor (a registry blob download hashes). */
  readonly verifiesOnFetch?: boolean;
  /** Push checks the bytes against the descriptor itself (a registry's `?digest=`), so copy need not hash them. */
  readonly verifiesOnPush?: boolean;
  /** True when `mount` can take blobs from `source` without moving their bytes (same registry, other repository). */
  canMountFrom?(source: Target): boolean;
  /**
   * Stores a manifest and points a tag at it at once (one request where push then tag would be
   * two); copy uses it for the root of a copy that has a tag.
   */
  pushTagged?(descriptor: Descriptor, bytes: Uint8Array, tag: string): Promise<void>;
  /** Takes a blob from `source` without moving its bytes; false when it did not, so the caller copies instead. */
  mount?(descriptor: Descriptor, source: Target): Promise<boolean>;
  /** OCI 1.1 referrers: present when the target can list and index manifests that name a subject. */
  readonly referrers?: ReferrersCapability;
}

export interface ListReferrersOptions {
  /** Only referrers of this artifact type (the registry may filter; the caller filters again). */
  artifactType?: string;
}

/**
 * What a target does with OCI 1.1 referrers (manifests whose `subject` names another manifest):
 * a registry answers through its referrers API where it has one, else through the referrers tag
 * schema (`sha256-<hex>` index) that the client maintains. The caller need not know which.
 */
export interface ReferrersCapability {
  /** Descriptors of the manifests whose subject is `subject` (each with `artifactType` and annotations). */
  list(subject: Descriptor, options?: ListReferrersOptions): Promise<Descriptor[]>;
  /**
   * Makes manifests already pushed findable as referrers of `subject`: nothing to do where the
   * registry indexed their `subject` itself, otherwise a merge into the fallback index that keeps
   * every entry already there, even when another client updates it at the same time.
   * Returns how they are found.
   */
  index(subject: Descriptor, referrers: Descriptor[]): Promise<ReferrersMode>;
  /** Removes a referrer from the fallback index (a registry with the API forgets deleted manifests itself). */
  unindex(subject: Descriptor, referrer: Descriptor): Promise<ReferrersMode>;
  /** The manifest a tag names, or undefined when there is no such tag: one cheap request (cosign's legacy tags are looked up this way). */
  tagged?(tag: string): Promise<Descriptor | undefined>;
}

/** `api`: the registry's referrers API; `tag`: the client-maintained referrers tag schema. */
export type ReferrersMode = 'api' | 'tag';
