import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { sha256Digest, type ExpectedContent } from '../oci/digest.js';
import { RegistryError } from '../oci/errors.js';
import { openContent, progressStream, readSmall } from '../content/local-files.js';
import type { Manifest } from '../oci/manifest.js';
import { digestProblem } from '../oci/reference.js';
import { SingleLayerFileSink } from './single-layer-file-sink.js';
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
export class ComponentFileSink extends SingleLayerFileSink {
  protected readonly kind = 'Wasm';
  #config: Uint8Array | undefined;

  /** The config blob received (verified against its digest). */
  get config(): Uint8Array | undefined {
    return this.#config;
  }

  protected isLayer(mediaType: string): boolean {
    return COMPONENT_LAYER_MEDIA_TYPES.includes(mediaType);
  }

  protected layerOf(manifest: Manifest): Descriptor {
    return checkComponentManifest(manifest).layer;
  }

  /** The config is kept: it says what the component's world should be. */
  protected async acceptOther(descriptor: Descriptor, content: Content): Promise<void> {
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
}

function readOnly(filePath: string): RegistryError {
  return new RegistryError(`${filePath} is a component file source and cannot be written to`, { kind: 'failure', operation: 'push' });
}
