import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createVerifier, digestFile, sha256Digest, type ExpectedContent } from '../oci/digest.js';
import { RegistryError } from '../oci/errors.js';
import { inspectWhileReading, type InspectedStream } from '../content/inspect-stream.js';
import { SingleLayerFileSink } from './single-layer-file-sink.js';
import { checkFileDestination, openContent, progressStream, removeStalePartials } from '../content/local-files.js';
import { parManifest, type ParManifest, type ParManifestOptions } from './par-manifest.js';
import { type Manifest } from '../oci/manifest.js';
import { PAR_LAYER_MEDIA_TYPES } from './media-types.js';
import { digestProblem } from '../oci/reference.js';
import type { Content, Target, TransferOptions } from '../content/target.js';
import type { Descriptor } from '../oci/descriptor.js';
import { STREAM_CHUNK_SIZE } from '../oci/io.js';

/**
 * The par-to-artifact mapping as two Targets, so that push is copy(ParFileSource → registry) and
 * pull is copy(registry → ParFileSink): one copy algorithm, no separate code paths.
 */

/** Registries accept manifests up to 4 MiB; a par manifest is a few hundred bytes. */

export interface ParFileSourceOptions {
  /** Manifest-level annotations. */
  annotations?: Record<string, string>;
  /** Path of a config file whose bytes become the config blob (wash `--config`); default `{}`. */
  config?: string;
  /** OCI 1.1 shape (see ParManifestOptions); the layer title defaults to the file's name. */
  artifact?: ParManifestOptions['artifact'];
  /** The file's digest and size when already known (saves reading it once more). */
  layer?: ExpectedContent;
  /**
   * Reads the file's bytes to check them (e.g. verify the archive): during the upload when the
   * layer is uploaded, so checking costs no extra pass; see `inspected()`.
   */
  inspect?: (bytes: Readable) => Promise<void>;
}

/**
 * A read-only Target over a par file on disk: one manifest (the one wash would push), its config
 * blob, and the file itself as the layer. Any tag resolves to that manifest.
 */
export class ParFileSource implements Target {
  readonly path: string;
  readonly manifest: ParManifest;

  readonly #inspect: ((bytes: Readable) => Promise<void>) | undefined;
  /** The inspection that rides on the first upload of the layer, if one started. */
  #tap: InspectedStream | undefined;

  private constructor(filePath: string, manifest: ParManifest, inspect?: (bytes: Readable) => Promise<void>) {
    this.path = filePath;
    this.manifest = manifest;
    this.#inspect = inspect;
  }

  /**
   * Settles when `inspect` has read the whole file: the run that rode on the upload if there was
   * one and it saw every byte, otherwise a read of the file now (the registry had the layer, or
   * the upload broke off).
   */
  async inspected(): Promise<void> {
    const inspect = this.#inspect;
    if (inspect === undefined) return;
    if (this.#tap?.complete) return this.#tap.inspected();
    return inspect(createReadStream(this.path, { highWaterMark: STREAM_CHUNK_SIZE }));
  }

  /** The layer descriptor: the par file's digest and size. */
  get layer(): Descriptor {
    return { ...this.manifest.layer };
  }

  /** Digests the file (streaming, once) and builds its manifest. */
  static async open(filePath: string, options: ParFileSourceOptions = {}): Promise<ParFileSource> {
    const layer = options.layer ?? (await digestFile(filePath));
    const manifestOptions: ParManifestOptions = {};
    if (options.annotations !== undefined) manifestOptions.annotations = options.annotations;
    if (options.config !== undefined) {
      const bytes = await readConfig(options.config);
      manifestOptions.config = { digest: sha256Digest(bytes), size: bytes.length, bytes };
    }
    if (options.artifact !== undefined) {
      manifestOptions.artifact = { title: path.basename(filePath), ...options.artifact };
    }
    return new ParFileSource(filePath, parManifest(layer, manifestOptions), options.inspect);
  }

  /** The manifest descriptor, for any tag; a digest must be the manifest's own. */
  async resolve(reference: string): Promise<Descriptor> {
    if (digestProblem(reference) === undefined && reference !== this.manifest.descriptor.digest) {
      throw new RegistryError(`${this.path} has manifest ${this.manifest.descriptor.digest}, not ${reference}`, {
        kind: 'not_found',
        operation: 'resolve',
        reference,
      });
    }
    return { ...this.manifest.descriptor };
  }

  async fetch(descriptor: Descriptor, options: TransferOptions = {}): Promise<Readable> {
    const content = this.contentOf(descriptor);
    const stream = await openContent(content);
    if (options.onProgress === undefined) return stream;
    return stream.pipe(progressStream(options.onProgress));
  }

  async exists(descriptor: Descriptor): Promise<boolean> {
    return this.#known(descriptor) !== undefined;
  }

  /**
   * The content of a descriptor as a Content: bytes for the manifest and config, a factory that
   * opens the file at an offset for the layer (so an upload can resume without buffering).
   */
  contentOf(descriptor: Descriptor): Content {
    const known = this.#known(descriptor);
    if (known === undefined) {
      throw new RegistryError(`${descriptor.digest} is not part of ${this.path}`, {
        kind: 'not_found',
        operation: 'fetch',
        reference: descriptor.digest,
      });
    }
    if (known === 'manifest') return this.manifest.bytes;
    if (known === 'config') return this.manifest.config.bytes;
    const filePath = this.path;
    return async (offset: number) => {
      const stream = createReadStream(filePath, { start: offset, highWaterMark: STREAM_CHUNK_SIZE });
      // The first full read rides the inspector along; retries and resumes read plainly.
      if (offset !== 0 || this.#inspect === undefined || this.#tap !== undefined) return stream;
      this.#tap = inspectWhileReading(stream, this.#inspect);
      return this.#tap.stream;
    };
  }

  async push(): Promise<void> {
    throw readOnly(this.path);
  }

  async tag(): Promise<void> {
    throw readOnly(this.path);
  }

  #known(descriptor: Descriptor): 'manifest' | 'config' | 'layer' | undefined {
    if (descriptor.digest === this.manifest.descriptor.digest) return 'manifest';
    if (descriptor.digest === this.manifest.layer.digest) return 'layer';
    if (descriptor.digest === this.manifest.config.descriptor.digest) return 'config';
    return undefined;
  }
}

/**
 * A write-only Target that turns a par artifact back into a file. The layer is streamed to a
 * temporary file beside `destination`, verified (digest and size), fsynced and renamed into place;
 * the config is verified and dropped; the manifest is checked to be a par manifest naming that
 * layer. On any failure no destination file is left behind by this sink.
 */
export class ParFileSink extends SingleLayerFileSink {
  protected readonly kind = 'par';

  /**
   * A sink whose destination was checked before anything is downloaded: its directory exists, it
   * is not a directory; partial files a killed earlier run left beside it are removed.
   */
  static async open(destination: string, options: { inspect?: (bytes: Readable) => Promise<void> } = {}): Promise<ParFileSink> {
    await checkFileDestination(destination);
    await removeStalePartials(destination);
    return new ParFileSink(destination, options);
  }

  protected isLayer(mediaType: string): boolean {
    return PAR_LAYER_MEDIA_TYPES.includes(mediaType);
  }

  protected layerOf(manifest: Manifest): Descriptor {
    return checkParManifest(manifest);
  }

  /** The config (or another small blob): verified so a broken registry is noticed, then dropped. */
  protected async acceptOther(descriptor: Descriptor, content: Content, options: TransferOptions): Promise<void> {
    await writeNowhere(descriptor, await openContent(content), options);
  }
}

/**
 * Checks that a manifest is a provider archive: an image manifest with exactly one layer whose
 * media type is a par layer type. Returns that layer. Call it before downloading anything.
 */
export function checkParManifest(manifest: Manifest, reference?: string): Descriptor {
  const subject = reference === undefined ? 'the artifact' : reference;
  const fail = (problem: string): never => {
    throw new RegistryError(`${subject} is not a provider archive: ${problem}`, {
      kind: 'invalid',
      operation: 'check par manifest',
      ...(reference === undefined ? {} : { reference }),
    });
  };
  if (manifest.kind === 'index') {
    const types = [...new Set(manifest.manifests.map((m) => m.mediaType))];
    return fail(`it is an image index (${manifest.mediaType}) of ${manifest.manifests.length} manifest(s) [${types.join(', ')}]`);
  }
  const layerTypes = manifest.layers.map((layer) => layer.mediaType);
  const accepted = PAR_LAYER_MEDIA_TYPES.join(' or ');
  if (manifest.layers.length !== 1) {
    return fail(`expected exactly one layer of type ${accepted}, found ${manifest.layers.length} layer(s) [${layerTypes.join(', ')}]`);
  }
  const layer = manifest.layers[0] as Descriptor;
  if (!PAR_LAYER_MEDIA_TYPES.includes(layer.mediaType)) {
    const hint = layer.mediaType === 'application/wasm' ? ' (a WebAssembly component, not a provider)' : '';
    return fail(`its layer has media type ${layer.mediaType}${hint}; expected ${accepted} (config ${manifest.config.mediaType})`);
  }
  return layer;
}

async function writeNowhere(descriptor: Descriptor, source: Readable, options: TransferOptions): Promise<void> {
  const verifier = createVerifier({ digest: descriptor.digest, size: descriptor.size }, { reference: `blob ${descriptor.digest}` });
  await pipeline(source, verifier, async (stream: AsyncIterable<Buffer>) => {
    for await (const chunk of stream) options.onProgress?.(chunk.length);
  });
}

async function readConfig(configPath: string): Promise<Uint8Array> {
  try {
    return await readFile(configPath);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new RegistryError(`cannot read config file ${configPath}: ${missing ? 'no such file' : (error as Error).message}`, {
      kind: missing ? 'not_found' : 'failure',
      operation: 'read config',
      reference: configPath,
      cause: error,
    });
  }
}

function readOnly(filePath: string): RegistryError {
  return new RegistryError(`${filePath} is a par file source and cannot be written to`, { kind: 'failure', operation: 'push' });
}
