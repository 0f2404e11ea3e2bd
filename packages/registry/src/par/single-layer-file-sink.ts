import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { openContent, readSmall, writeStreamAtomically } from '../content/local-files.js';
import type { Content, Target, TransferOptions } from '../content/target.js';
import type { Descriptor } from '../oci/descriptor.js';
import { sha256Digest, type ExpectedContent } from '../oci/digest.js';
import { RegistryError } from '../oci/errors.js';
import { MAX_MANIFEST_SIZE, parseManifest, type Manifest } from '../oci/manifest.js';
import { MANIFEST_MEDIA_TYPES } from '../oci/media-types.js';

/**
 * A copy destination that is one file: the artifact's single layer, written atomically and
 * verified against its digest (and by `inspect`, while it downloads); the manifest is checked
 * against the layer received, and anything else (the config) is left to `acceptOther`. A par file
 * and a `.wasm` file differ only in which layer types they take and how their manifest is checked.
 */
export abstract class SingleLayerFileSink implements Target {
  readonly destination: string;
  readonly #inspect: ((bytes: Readable) => Promise<void>) | undefined;
  #written: ExpectedContent | undefined;

  /** What the file holds, in messages: `par`, `Wasm`. */
  protected abstract readonly kind: string;
  /** Whether a blob of this media type is the layer the file holds. */
  protected abstract isLayer(mediaType: string): boolean;
  /** The layer a manifest names; throws when it is not this kind of artifact. */
  protected abstract layerOf(manifest: Manifest): Descriptor;
  /** A blob that is neither the manifest nor the layer (the config). */
  protected abstract acceptOther(descriptor: Descriptor, content: Content, options: TransferOptions): Promise<void>;

  /**
   * `inspect` reads a copy of the layer as it downloads (to verify what is inside); the file
   * appears only when it succeeds.
   */
  constructor(destination: string, options: { inspect?: (bytes: Readable) => Promise<void> } = {}) {
    this.destination = destination;
    this.#inspect = options.inspect;
  }

  /** Digest and size of the file written, once the layer has been received. */
  get written(): ExpectedContent | undefined {
    return this.#written;
  }

  async resolve(reference: string): Promise<Descriptor> {
    throw new RegistryError(`a ${this.kind} file destination holds no manifests (asked for ${reference})`, { kind: 'not_found', operation: 'resolve', reference });
  }

  async fetch(descriptor: Descriptor): Promise<Readable> {
    throw new RegistryError(`a ${this.kind} file destination cannot be read (asked for ${descriptor.digest})`, {
      kind: 'not_found',
      operation: 'fetch',
      reference: descriptor.digest,
    });
  }

  /** Always false, so a copy sends everything. */
  async exists(): Promise<boolean> {
    return false;
  }

  async push(descriptor: Descriptor, content: Content, options: TransferOptions = {}): Promise<void> {
    if (MANIFEST_MEDIA_TYPES.includes(descriptor.mediaType)) return this.#acceptManifest(descriptor, content);
    if (this.isLayer(descriptor.mediaType)) return this.#acceptLayer(descriptor, content, options);
    return this.acceptOther(descriptor, content, options);
  }

  /** Tags mean nothing for a file; accepted so a copy can finish. */
  async tag(): Promise<void> {}

  /** Removes the file this sink wrote (the artifact was found wanting after the copy). */
  async discard(): Promise<void> {
    if (this.#written !== undefined) await rm(this.destination, { force: true });
    this.#written = undefined;
  }

  async #acceptLayer(descriptor: Descriptor, content: Content, options: TransferOptions): Promise<void> {
    if (this.#written !== undefined) {
      if (this.#written.digest === descriptor.digest) return;
      throw new RegistryError(`the artifact has more than one ${this.kind} layer; ${this.destination} already holds ${this.#written.digest}`, {
        kind: 'invalid',
        operation: 'pull',
        reference: descriptor.digest,
      });
    }
    this.#written = await writeStreamAtomically(this.destination, await openContent(content), {
      ...options,
      expected: { digest: descriptor.digest, size: descriptor.size },
      reference: `layer ${descriptor.digest}`,
      ...(this.#inspect === undefined ? {} : { inspect: this.#inspect }),
    });
  }

  async #acceptManifest(descriptor: Descriptor, content: Content): Promise<void> {
    try {
      const bytes = await readSmall(await openContent(content), MAX_MANIFEST_SIZE, `manifest ${descriptor.digest}`);
      if (descriptor.digest.startsWith('sha256:') && sha256Digest(bytes) !== descriptor.digest) {
        throw new RegistryError(`manifest verification failed: expected ${descriptor.digest}, got ${sha256Digest(bytes)}`, {
          kind: 'verification',
          operation: 'pull',
          reference: descriptor.digest,
        });
      }
      const layer = this.layerOf(parseManifest(bytes, descriptor.mediaType));
      if (this.#written === undefined) {
        throw new RegistryError(`the ${this.kind} layer ${layer.digest} was not received before its manifest`, { kind: 'failure', operation: 'pull', reference: descriptor.digest });
      }
      if (this.#written.digest !== layer.digest) {
        throw new RegistryError(`the manifest names layer ${layer.digest} but ${this.#written.digest} was received`, {
          kind: 'invalid',
          operation: 'pull',
          reference: descriptor.digest,
        });
      }
    } catch (error) {
      // The file on disk is not the artifact asked for: do not leave it behind.
      await this.discard();
      throw error;
    }
  }
}
