import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { InspectedStream } from '../content/inspect-stream.js';
import { inspectWhileReading } from '../content/inspect-stream.js';
import { copy } from '../content/copy.js';
import type { Descriptor } from '../oci/descriptor.js';
import { RegistryError } from '../oci/errors.js';
import { STREAM_CHUNK_SIZE } from '../oci/io.js';
import { DEFAULT_TAG, formatReference, manifestReference, parseReference, type Reference } from '../oci/reference.js';
import type { RegistryClient } from '../remote/client.js';
import { verifyingArchiveStream } from './archive-check.js';
import { PAR_LAYER_MEDIA_TYPE } from './media-types.js';
import { ParFileSource, type ParFileSourceOptions } from './par-file.js';

/** From this size on, a file with no remembered digest is pushed in one pass (see pushParFile). */
const SINGLE_PASS_MIN_BYTES = 64 * 1024 * 1024;

/** What a push learned about a file (its digest, and whether the archive in it verified). */
export interface KnownFile {
  digest: string;
  size: number;
  verified: boolean;
}

/**
 * Remembers digests of files pushed before, so an unchanged file is neither hashed nor verified
 * again. Implementations must never vouch for a file that changed (compare size, times, inode).
 */
export interface FileDigestMemory {
  lookup(file: string, stats: Stats): KnownFile | undefined;
  remember(file: string, stats: Stats, known: KnownFile, observedAt: number): Promise<void>;
}

export interface PushParFileOptions {
  client: RegistryClient;
  /** Where to push: a parsed reference (see parseParReference); its tag or digest names the manifest. */
  reference: Reference;
  file: string;
  /** Manifest shape: annotations, config file, OCI 1.1 artifact. */
  manifest?: Omit<ParFileSourceOptions, 'layer' | 'inspect'>;
  /** Verify the archive before publishing (default true): a manifest is never pushed for one that fails. */
  verify?: boolean;
  onProgress?: (bytes: number) => void;
  /** Digests of files pushed before. */
  digestMemory?: FileDigestMemory;
}

export interface PushedParFile {
  /** The reference pushed, as text. */
  reference: string;
  /** The tag the manifest was pushed under (the default tag for a digest reference, as wash shows it). */
  tag: string;
  manifest: Descriptor;
  layer: Descriptor;
  /** Blob bytes sent to the registry (0 when it had everything). */
  uploadedBytes: number;
  skipped: number;
  mounted: number;
}

export interface ParReferenceOptions {
  defaultRegistry?: string;
  /** Accept the tag `latest` (refused by default, as wash and the wasmCloud host do). */
  allowLatest?: boolean;
}

/**
 * Parses a registry reference for a push or pull, refusing the `latest` tag unless allowed —
 * the same safety wash and the wasmCloud host have.
 */
export function parseParReference(input: string, options: ParReferenceOptions = {}): Reference {
  const reference = parseReference(input, options.defaultRegistry === undefined ? {} : { defaultRegistry: options.defaultRegistry });
  if (reference.digest === undefined && (reference.tag ?? DEFAULT_TAG) === DEFAULT_TAG && options.allowLatest !== true) {
    throw new RegistryError(`${input} uses the tag "${DEFAULT_TAG}"; name a version tag or pass --allow-latest`, { kind: 'invalid', operation: 'parse reference', reference: input });
  }
  return reference;
}

/**
 * Pushes a par file reading it as few times as possible, and never publishes a manifest for an
 * archive that failed verification:
 * - a file pushed before and unchanged since (digestMemory) is neither hashed nor verified again;
 * - a large file new to us is uploaded while it is hashed and verified (one read);
 * - a small one is hashed first, so a registry that has it is asked with a HEAD and sent nothing,
 *   and verified while it uploads.
 */
export async function pushParFile(options: PushParFileOptions): Promise<PushedParFile> {
  const observedAt = Date.now();
  const file = options.file;
  const stats = await statParFile(file);
  const destination = options.client.repository(options.reference);
  const onProgress = options.onProgress ?? (() => undefined);
  const wantVerify = options.verify !== false;
  const known = options.digestMemory?.lookup(file, stats);
  const verify = wantVerify && known?.verified !== true;
  const verifier = verifyingArchiveStream(`refusing to push ${file}: it`, ' (--no-verify pushes it anyway)');

  let layer: { digest: string; size: number } | undefined = known;
  let streamedBytes = 0;
  if (layer === undefined && stats.size >= SINGLE_PASS_MIN_BYTES) {
    let inspection: InspectedStream | undefined;
    layer = await destination.pushStream(
      PAR_LAYER_MEDIA_TYPE,
      async () => {
        const stream = createReadStream(file, { highWaterMark: STREAM_CHUNK_SIZE });
        if (!verify) return stream;
        inspection = inspectWhileReading(stream, verifier);
        return inspection.stream;
      },
      { onProgress },
    );
    await inspection?.inspected();
    streamedBytes = layer.size;
  }

  const source = await ParFileSource.open(file, {
    ...options.manifest,
    ...(layer !== undefined ? { layer: { digest: layer.digest, size: layer.size } } : {}),
    // Not streamed above: verified while the layer uploads (or read now if the registry has it).
    ...(verify && streamedBytes === 0 ? { inspect: verifier } : {}),
  });
  const result = await copy(source, source.manifest.descriptor.digest, destination, manifestReference(options.reference), {
    onProgress,
    beforeCommit: () => source.inspected(),
  });
  await options.digestMemory?.remember(file, stats, { digest: source.layer.digest, size: source.layer.size, verified: wantVerify || known?.verified === true }, observedAt);
  return {
    reference: formatReference(options.reference),
    tag: options.reference.tag ?? DEFAULT_TAG,
    manifest: result.descriptor,
    layer: source.layer,
    uploadedBytes: result.bytes + streamedBytes,
    skipped: result.skipped,
    mounted: result.mounted,
  };
}

/** The file's size (for a progress bar), with "no such file" as a not-found error. */
export async function statParFile(file: string): Promise<Stats> {
  let stats: Stats;
  try {
    stats = await stat(file);
  } catch (error) {
    throw new RegistryError(`no such file: ${file}`, { kind: 'not_found', operation: 'read file', reference: file, cause: error });
  }
  if (!stats.isFile()) throw new RegistryError(`${file} is not a file`, { kind: 'invalid', operation: 'read file', reference: file });
  return stats;
}
