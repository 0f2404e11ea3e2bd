import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { sha256Digest, type ExpectedContent } from '../oci/digest.js';
import { RegistryError } from '../oci/errors.js';
import { openContent, progressStream, readSmall, writeStreamAtomically } from '../content/local-files.js';
import { MAX_MANIFEST_SIZE, parseManifest } from '../oci/manifest.js';
import { MANIFEST_MEDIA_TYPES } from '../oci/media-types.js';
import { digestProblem } from '../oci/reference.js';
import { checkComponentManifest, componentManifest, type ComponentManifest, type ComponentManifestOptions } from './component-manifest.js';
import { COMPONENT_LAYER_MEDIA_TYPES } from './component-media-types.js';
import type { Content, Target, TransferOptions } from '../content/target.js';
import type { Descriptor } from '../oci/descriptor.js';
import { STREAM_CHUNK_SIZE } from '../oci/io.js';

/**
 * The component-to-artifact mapping as two Targets, as for pars (par-file.ts): push is
 * copy(ComponentFileSource → registry), pull is copy(registry → ComponentFileSink).
 */

/** A config names a few hundred interfaces at most. */
const CONFIG_SIZE_LIMIT = 1024 * 1024;

/** A read-only Target over a `.wasm` file: the manifest wash would push, its config, the file as the layer. */
export class ComponentFileSource implements Target {
  readonly path: string;
  readonly manifest: ComponentManifest;

  private constructor(filePath: string, manifest: ComponentManifest) {
    this.path = filePath;
    this.manifest = manifest;
  }

  /**
   * `layer` is the file's digest and size and `options.world` its exports and imports, as the
   * caller read them (one pass over the file, which also checked it is a component).
   */
  static fromFile(filePath: string, layer: ExpectedContent, options: ComponentManifestOptions): ComponentFileSource {
    return new ComponentFileSource(filePath, componentManifest(layer, options));
  }

  async resolve(reference: string): Promise<Descriptor> {
    if (digestProblem(reference) === undefined && reference !== this.manifest.digest) {
      throw new RegistryError(`${this.path} has manifest ${this.manifest.digest}, not ${reference}`, { kind: 'not_found', operation: 'resolve', reference });
    }
    return { ...this.manifest.descriptor };
  }

  async fetch(descriptor: Descriptor, options: TransferOptions = {}): Promise<Readable> {
    const stream = await openContent(this.contentOf(descriptor));
    return options.onProgress === undefined ? stream : stream.pipe(progressStream(options.onProgress));
  }

  async exists(descriptor: Descriptor): Promise<boolean> {
    return [this.manifest.digest, this.manifest.layer.digest, this.manifest.config.descriptor.digest].includes(descriptor.digest);
  }

  contentOf(descriptor: Descriptor): Content {
    if (descriptor.digest === this.manifest.digest) return this.manifest.bytes;
    if (descriptor.digest === this.manifest.config.descriptor.digest) return this.manifest.config.bytes;
    if (descriptor.digest === this.manifest.layer.digest) {
      const filePath = this.path;
      return async (offset: number) => createReadStream(filePath, { start: offset, highWaterMark: STREAM_CHUNK_SIZE });
    }
    throw new RegistryError(`${descriptor.digest} is not part of ${this.path}`, { kind: 'not_found', operation: 'fetch', reference: descriptor.digest });
  }

  async push(): Promise<void> {
    throw readOnly(this.path);
  }

  async tag(): Promise<void> {
    throw readOnly(this.path);
  }
}

/**
 * A write-only Target that turns a component artifact back into a `.wasm` file: the layer is
 * streamed to a temporary file beside `destination`, checked (digest, size, and `inspect` — that
 * the bytes are a component), fsynced and renamed; the config is verified and kept (it is small)
 * so the caller can compare it with the layer; the manifest must be a component manifest naming
 * that layer. On any failure no destination file is left behind by this sink.
 */
export class ComponentFileSink implements Target {
  readonly destination: string;
  readonly #inspect: ((bytes: Readable) => Promise<void>) | undefined;
  #written: ExpectedContent | undefined;
  #config: Uint8Array | undefined;

  constructor(destination: string, options: { inspect?: (bytes: Readable) => Promise<void> } = {}) {
    this.destination = destination;
    this.#inspect = options.inspect;
  }

  get written(): ExpectedContent | undefined {
    return this.#written;
  }

  /** The config blob received (verified against its digest). */
  get config(): Uint8Array | undefined {
    return this.#config;
  }

  async resolve(reference: string): Promise<Descriptor> {
    throw new RegistryError(`a .wasm file destination holds no manifests (asked for ${reference})`, { kind: 'not_found', operation: 'resolve', reference });
  }

  async fetch(descriptor: Descriptor): Promise<Readable> {
    throw new RegistryError(`a .wasm file destination cannot be read (asked for ${descriptor.digest})`, { kind: 'not_found', operation: 'fetch', reference: descriptor.digest });
  }

  /** Always false, so a copy sends everything. */
  async exists(): Promise<boolean> {
    return false;
  }

  async push(descriptor: Descriptor, content: Content, options: TransferOptions = {}): Promise<void> {
    if (MANIFEST_MEDIA_TYPES.includes(descriptor.mediaType)) return this.#acceptManifest(descriptor, content);
    if (COMPONENT_LAYER_MEDIA_TYPES.includes(descriptor.mediaType)) return this.#acceptLayer(descriptor, content, options);
    const bytes = await readSmall(await openContent(content), CONFIG_SIZE_LIMIT, `config ${descriptor.digest}`);
    if (sha256Digest(bytes) !== descriptor.digest || bytes.length !== descriptor.size) {
      throw new RegistryError(`config verification failed: expected ${descriptor.digest} (${descriptor.size} bytes), got ${sha256Digest(bytes)} (${bytes.length} bytes)`, {
        kind: 'verification',
        operation: 'pull',
        reference: descriptor.digest,
      });
    }
    this.#config = bytes;
  }

  async tag(): Promise<void> {}

  async #acceptLayer(descriptor: Descriptor, content: Content, options: TransferOptions): Promise<void> {
    if (this.#written !== undefined) {
      if (this.#written.digest === descriptor.digest) return;
      throw new RegistryError(`the artifact has more than one Wasm layer; ${this.destination} already holds ${this.#written.digest}`, { kind: 'invalid', operation: 'pull', reference: descriptor.digest });
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
        throw new RegistryError(`manifest verification failed: expected ${descriptor.digest}, got ${sha256Digest(bytes)}`, { kind: 'verification', operation: 'pull', reference: descriptor.digest });
      }
      const { layer } = checkComponentManifest(parseManifest(bytes, descriptor.mediaType));
      if (this.#written === undefined) {
        throw new RegistryError(`the Wasm layer ${layer.digest} was not received before its manifest`, { kind: 'failure', operation: 'pull', reference: descriptor.digest });
      }
      if (this.#written.digest !== layer.digest) {
        throw new RegistryError(`the manifest names layer ${layer.digest} but ${this.#written.digest} was received`, { kind: 'invalid', operation: 'pull', reference: descriptor.digest });
      }
    } catch (error) {
      await this.discard();
      throw error;
    }
  }

  /** Removes the file this sink wrote (the caller found the artifact wanting after the copy). */
  async discard(): Promise<void> {
    if (this.#written !== undefined) await rm(this.destination, { force: true });
    this.#written = undefined;
  }
}

function readOnly(filePath: string): RegistryError {
  return new RegistryError(`${filePath} is a component file source and cannot be written to`, { kind: 'failure', operation: 'push' });
}
