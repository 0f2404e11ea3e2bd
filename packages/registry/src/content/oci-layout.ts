import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { parseDigest } from '../oci/digest.js';
import { RegistryError } from '../oci/errors.js';
import { openContent, progressStream, readSmall, writeFileAtomically, writeStreamAtomically } from './local-files.js';
import { MAX_MANIFEST_SIZE, parseManifest } from '../oci/manifest.js';
import { OCI_INDEX_MEDIA_TYPE } from '../oci/media-types.js';
import { digestProblem, isValidTag } from '../oci/reference.js';
import type { Content, Target, TransferOptions } from './target.js';
import type { Descriptor } from '../oci/descriptor.js';
import { STREAM_CHUNK_SIZE } from '../oci/io.js';

/**
 * An OCI image layout directory (image-spec image-layout.md): `oci-layout`, `index.json` and
 * `blobs/<alg>/<hex>` — what `skopeo copy oci:DIR:TAG`, `oras --oci-layout` and crane read and
 * write. Tags are `org.opencontainers.image.ref.name` annotations on index.json entries.
 *
 * Writes within one process are serialised; two processes tagging the same layout at the same
 * moment can lose one tag (as with skopeo).
 */

export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';
const LAYOUT_FILE = 'oci-layout';
const INDEX_FILE = 'index.json';
const LAYOUT_VERSION = '1.0.0';

interface IndexFile {
  schemaVersion: number;
  manifests: Descriptor[];
  [other: string]: unknown;
}

export interface OpenLayoutOptions {
  /** Create the directory, `oci-layout` and an empty `index.json` when missing. */
  create?: boolean;
}

export class OciLayoutTarget implements Target {
  readonly root: string;
  #writes: Promise<unknown> = Promise.resolve();

  private constructor(root: string) {
    this.root = root;
  }

  static async open(root: string, options: OpenLayoutOptions = {}): Promise<OciLayoutTarget> {
    const layout = new OciLayoutTarget(root);
    const layoutFile = path.join(root, LAYOUT_FILE);
    let version: unknown;
    try {
      version = (JSON.parse(await readFile(layoutFile, 'utf8')) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw layoutError(`${layoutFile} is not a valid oci-layout file: ${(error as Error).message}`, 'invalid', root);
      }
      if (options.create !== true) {
        throw layoutError(`${root} is not an OCI image layout (no ${LAYOUT_FILE} file)`, 'not_found', root);
      }
      await mkdir(path.join(root, 'blobs'), { recursive: true });
      await writeFileAtomically(layoutFile, JSON.stringify({ imageLayoutVersion: LAYOUT_VERSION }));
      version = LAYOUT_VERSION;
    }
    if (typeof version !== 'string' || !version.startsWith('1.')) {
      throw layoutError(`${layoutFile} has unsupported imageLayoutVersion ${JSON.stringify(version)}`, 'invalid', root);
    }
    try {
      await stat(path.join(root, INDEX_FILE));
    } catch {
      if (options.create !== true) throw layoutError(`${root} has no ${INDEX_FILE}`, 'invalid', root);
      await writeFileAtomically(
        path.join(root, INDEX_FILE),
        JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX_MEDIA_TYPE, manifests: [] }),
      );
    }
    return layout;
  }

  /**
   * A tag (matched against `org.opencontainers.image.ref.name`), a digest, or `''` for the only
   * manifest of a layout holding exactly one (as skopeo's `oci:DIR` does).
   */
  async resolve(reference: string): Promise<Descriptor> {
    const { manifests } = await this.#readIndex();
    if (reference === '') {
      if (manifests.length === 1) return withoutRefName(manifests[0] as Descriptor);
      throw layoutError(`${this.root} holds ${manifests.length} manifests; name one with a tag or digest`, 'invalid', this.root);
    }
    if (digestProblem(reference) === undefined) {
      const listed = manifests.find((entry) => entry.digest === reference);
      if (listed !== undefined) return withoutRefName(listed);
      return this.#describeBlob(reference);
    }
    const tagged = manifests.filter((entry) => entry.annotations?.[ANNOTATION_REF_NAME] === reference).at(-1);
    if (tagged === undefined) {
      throw layoutError(`tag "${reference}" not found in OCI layout ${this.root}`, 'not_found', `${this.root}:${reference}`);
    }
    return withoutRefName(tagged);
  }

  async fetch(descriptor: Descriptor, options: TransferOptions = {}): Promise<Readable> {
    const blob = this.#blobPath(descriptor.digest);
    const stream = createReadStream(blob, { highWaterMark: STREAM_CHUNK_SIZE, ...(options.signal === undefined ? {} : { signal: options.signal }) });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (error) =>
        reject(
          (error as NodeJS.ErrnoException).code === 'ENOENT'
            ? layoutError(`blob ${descriptor.digest} not found in OCI layout ${this.root}`, 'not_found', descriptor.digest)
            : error,
        ),
      );
    });
    return options.onProgress === undefined ? stream : stream.pipe(progressStream(options.onProgress));
  }

  async exists(descriptor: Descriptor): Promise<boolean> {
    try {
      return (await stat(this.#blobPath(descriptor.digest))).size === descriptor.size;
    } catch {
      return false;
    }
  }

  /** Stores a blob under its digest: temp file, verified digest and size, fsync, rename. */
  async push(descriptor: Descriptor, content: Content, options: TransferOptions = {}): Promise<void> {
    if (await this.exists(descriptor)) return;
    const blob = this.#blobPath(descriptor.digest);
    await mkdir(path.dirname(blob), { recursive: true });
    await writeStreamAtomically(blob, await openContent(content), {
      ...options,
      expected: { digest: descriptor.digest, size: descriptor.size },
      reference: `${this.root} blob ${descriptor.digest}`,
    });
  }

  /**
   * Points a tag at a manifest already pushed, replacing an entry with the same tag; with a
   * digest as the reference, lists the manifest in index.json untagged.
   */
  async tag(descriptor: Descriptor, reference: string): Promise<void> {
    const isDigest = digestProblem(reference) === undefined;
    if (!isDigest && !isValidTag(reference)) {
      throw layoutError(`invalid tag "${reference}" for OCI layout ${this.root}`, 'invalid', reference);
    }
    if (!(await this.exists(descriptor))) {
      throw layoutError(`cannot tag ${descriptor.digest}: not stored in OCI layout ${this.root}`, 'not_found', descriptor.digest);
    }
    await this.#serialise(async () => {
      const index = await this.#readIndex();
      const entry = withoutRefName(descriptor);
      if (isDigest) {
        if (!index.manifests.some((listed) => listed.digest === descriptor.digest)) index.manifests.push(entry);
      } else {
        index.manifests = index.manifests.filter((listed) => listed.annotations?.[ANNOTATION_REF_NAME] !== reference);
        entry.annotations = { ...entry.annotations, [ANNOTATION_REF_NAME]: reference };
        index.manifests.push(entry);
      }
      await writeFileAtomically(path.join(this.root, INDEX_FILE), JSON.stringify(index));
    });
  }

  /** The tags in index.json, in index order. */
  async tags(): Promise<string[]> {
    const { manifests } = await this.#readIndex();
    return manifests.flatMap((entry) => {
      const name = entry.annotations?.[ANNOTATION_REF_NAME];
      return name === undefined ? [] : [name];
    });
  }

  #blobPath(digest: string): string {
    const { algorithm, hex } = parseDigest(digest);
    return path.join(this.root, 'blobs', algorithm, hex);
  }

  async #describeBlob(digest: string): Promise<Descriptor> {
    let bytes: Buffer;
    try {
      bytes = await readSmall(createReadStream(this.#blobPath(digest)), MAX_MANIFEST_SIZE, `blob ${digest}`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw layoutError(`manifest ${digest} not found in OCI layout ${this.root}`, 'not_found', digest);
      }
      throw error;
    }
    return { mediaType: parseManifest(bytes).mediaType, digest, size: bytes.length };
  }

  async #readIndex(): Promise<IndexFile> {
    const file = path.join(this.root, INDEX_FILE);
    let index: unknown;
    try {
      index = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      throw layoutError(`cannot read ${file}: ${(error as Error).message}`, 'invalid', this.root);
    }
    const manifests = (index as { manifests?: unknown } | null)?.manifests;
    if (index === null || typeof index !== 'object' || !Array.isArray(manifests)) {
      throw layoutError(`${file} is not an image index (no "manifests" array)`, 'invalid', this.root);
    }
    return index as IndexFile;
  }

  #serialise(write: () => Promise<void>): Promise<void> {
    const next = this.#writes.then(write, write);
    this.#writes = next.catch(() => undefined);
    return next;
  }
}

export interface LayoutReference {
  /** The layout directory. */
  path: string;
  /** The tag or digest after the path, when given. */
  reference?: string;
}

/**
 * Parses `oci:PATH[:REFERENCE]` as skopeo does on Linux and macOS (containers/image
 * `SplitPathAndImage`): the path ends at the FIRST `:` after `oci:`, so a path cannot contain
 * `:`; everything after it is the reference — a tag, or a digest such as `sha256:<hex>`.
 */
export function parseLayoutReference(input: string): LayoutReference {
  const fail = (problem: string): never => {
    throw new RegistryError(`invalid OCI layout reference "${input}": ${problem}`, {
      kind: 'invalid',
      operation: 'parse reference',
      reference: input,
    });
  };
  if (!input.startsWith('oci:')) fail('expected oci:PATH[:TAG]');
  const rest = input.slice('oci:'.length);
  const colon = rest.indexOf(':');
  const layoutPath = colon < 0 ? rest : rest.slice(0, colon);
  if (layoutPath.length === 0) fail('the path is empty');
  if (colon < 0) return { path: layoutPath };
  const reference = rest.slice(colon + 1);
  if (reference.length === 0) return { path: layoutPath };
  if (!isValidTag(reference) && digestProblem(reference) !== undefined) {
    fail(`"${reference}" is neither a tag nor a digest (a path cannot contain ":")`);
  }
  return { path: layoutPath, reference };
}

/** Is this argument an OCI layout reference rather than a registry reference? */
export function isLayoutReference(input: string): boolean {
  return input.startsWith('oci:');
}

function withoutRefName(descriptor: Descriptor): Descriptor {
  const entry: Descriptor = { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size };
  if (descriptor.artifactType !== undefined) entry.artifactType = descriptor.artifactType;
  if (descriptor.platform !== undefined) entry.platform = descriptor.platform;
  const annotations = { ...descriptor.annotations };
  delete annotations[ANNOTATION_REF_NAME];
  if (Object.keys(annotations).length > 0) entry.annotations = annotations;
  return entry;
}

function layoutError(message: string, kind: 'not_found' | 'invalid', reference: string): RegistryError {
  return new RegistryError(message, { kind, operation: 'oci layout', reference });
}
