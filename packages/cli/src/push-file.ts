import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Descriptor, InspectedStream, ParFileSourceOptions, RegistryRepository } from '@par/registry';
import { verifyingArchiveStream } from './archive-check.js';
import { CliError } from './errors.js';
import { FileDigestCache } from './file-digest-cache.js';

/** From this size on, a file with no remembered digest is pushed in one pass (see pushParFile). */
const SINGLE_PASS_MIN_BYTES = 64 * 1024 * 1024;
const READ_CHUNK_SIZE = 1024 * 1024;

export interface PushParFileOptions {
  file: string;
  destination: RegistryRepository;
  /** Tag or digest to push the manifest under. */
  reference: string;
  /** Manifest shape: annotations, config file, OCI 1.1 artifact. */
  manifest: Omit<ParFileSourceOptions, 'layer' | 'inspect'>;
  verify: boolean;
  onProgress: (bytes: number) => void;
}

export interface PushedParFile {
  manifest: Descriptor;
  layer: Descriptor;
  /** Blob bytes sent to the registry (0 when it had everything). */
  uploadedBytes: number;
  skipped: number;
  mounted: number;
}

/**
 * Pushes a par file reading it as few times as possible, and never publishes a manifest for an
 * archive that failed verification:
 * - a file pushed before and unchanged since (digest cache) is neither hashed nor verified again;
 * - a large file new to us is uploaded while it is hashed and verified (one read);
 * - a small one is hashed first, so a registry that has it is asked with a HEAD and sent nothing,
 *   and verified while it uploads.
 */
export async function pushParFile(options: PushParFileOptions): Promise<PushedParFile> {
  const registry = await import('@par/registry');
  const observedAt = Date.now();
  const stats = await statFile(options.file);
  const cache = await FileDigestCache.open();
  const known = cache.lookup(options.file, stats);
  const verify = options.verify && !known?.verified;
  const verifier = verifyingArchiveStream(`refusing to push ${options.file}: it`, ' (--no-verify pushes it anyway)');

  let layer: { digest: string; size: number } | undefined = known;
  let streamedBytes = 0;
  if (layer === undefined && stats.size >= SINGLE_PASS_MIN_BYTES) {
    let inspection: InspectedStream | undefined;
    layer = await options.destination.pushStream(
      registry.PAR_LAYER_MEDIA_TYPE,
      async () => {
        const file = createReadStream(options.file, { highWaterMark: READ_CHUNK_SIZE });
        if (!verify) return file;
        inspection = registry.inspectWhileReading(file, verifier);
        return inspection.stream;
      },
      { onProgress: options.onProgress },
    );
    await inspection?.inspected();
    streamedBytes = layer.size;
  }

  const source = await registry.ParFileSource.open(options.file, {
    ...options.manifest,
    ...(layer !== undefined ? { layer: { digest: layer.digest, size: layer.size } } : {}),
    // Not streamed above: verified while the layer uploads (or read now if the registry has it).
    ...(verify && streamedBytes === 0 ? { inspect: verifier } : {}),
  });
  const result = await registry.copy(source, source.manifest.descriptor.digest, options.destination, options.reference, {
    onProgress: options.onProgress,
    beforeCommit: () => source.inspected(),
  });
  await cache.remember(options.file, stats, { digest: source.layer.digest, size: source.layer.size, verified: options.verify || known?.verified === true }, observedAt);
  return {
    manifest: result.descriptor,
    layer: source.layer,
    uploadedBytes: result.bytes + streamedBytes,
    skipped: result.skipped,
    mounted: result.mounted,
  };
}

/** The size for a progress bar, with "no such file" as a not-found error. */
export async function statFile(file: string): Promise<Stats> {
  try {
    const stats = await stat(file);
    if (!stats.isFile()) throw new CliError(`${file} is not a file`);
    return stats;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`no such file: ${file}`, 'not_found');
  }
}
