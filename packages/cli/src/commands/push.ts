import type { Stats } from 'node:fs';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { InspectedStream } from '@par/registry';
import type { CommandModule } from 'yargs';
import { repeated } from '../repeated.js';
import { verifyingArchiveStream } from '../archive-check.js';
import { CliError } from '../errors.js';
import { FileDigestCache } from '../file-digest-cache.js';
import { printResult, type GlobalOptions } from '../output.js';
import { startProgress } from '../progress.js';
import { parseTransferReference } from '../references.js';
import { createRegistryClient, registryFlags, type RegistryFlags } from '../registry-options.js';

/** From this size on, a file with no remembered digest is pushed in one pass (see the handler). */
const SINGLE_PASS_MIN_BYTES = 64 * 1024 * 1024;
const READ_CHUNK_SIZE = 1024 * 1024;

interface PushArgs extends GlobalOptions, RegistryFlags {
  reference: string;
  file: string;
  annotation?: string[];
  config?: string;
  'allow-latest': boolean;
  monolithic: boolean;
  'chunk-size'?: number;
  'artifact-type'?: string;
  verify: boolean;
  progress: boolean;
}

export const pushCommand: CommandModule<GlobalOptions, PushArgs> = {
  command: 'push <reference> <file>',
  describe: 'Push a provider archive to an OCI registry (verified first; blobs the registry has are skipped)',
  builder: (yargs) =>
    yargs
      .positional('reference', { type: 'string', demandOption: true, describe: 'registry/repository:tag' })
      .positional('file', { type: 'string', demandOption: true, describe: 'The .par.gz (or .par) file' })
      .option('annotation', { type: 'string', coerce: repeated, describe: 'Manifest annotation key=value (repeatable)' })
      .option('config', { type: 'string', describe: 'A config blob file instead of {}' })
      .option('allow-latest', { type: 'boolean', default: false, describe: 'Allow the tag "latest"' })
      .option('monolithic', { type: 'boolean', default: false, describe: 'Upload each blob in one request' })
      .option('chunk-size', { type: 'number', describe: 'Upload in chunks of this many bytes' })
      .option('artifact-type', { type: 'string', describe: 'Write an OCI 1.1 artifact manifest with this artifactType' })
      .option('verify', { type: 'boolean', default: true, describe: 'Verify the archive before pushing (--no-verify to skip)' })
      .option('progress', { type: 'boolean', default: true, describe: 'Show a progress bar on a terminal' })
      .options(registryFlags)
      .check((argv) => {
        if (argv.monolithic && argv['chunk-size'] !== undefined) throw new Error('--monolithic and --chunk-size exclude each other');
        if (argv['chunk-size'] !== undefined && (!Number.isInteger(argv['chunk-size']) || argv['chunk-size'] < 1)) throw new Error('--chunk-size must be a positive integer');
        return true;
      }),
  handler: async (argv) => {
    const registry = await import('@par/registry');
    const reference = await parseTransferReference(argv.reference, argv);
    const annotations = registry.parseAnnotations(argv.annotation ?? []);
    const observedAt = Date.now();
    const stats = await statFile(argv.file);
    // A file pushed before and unchanged since needs no hashing and no second verification.
    const cache = await FileDigestCache.open();
    const known = cache.lookup(argv.file, stats);
    const verify = argv.verify && !known?.verified;
    const verifier = verifyingArchiveStream(`refusing to push ${argv.file}: it`, ' (--no-verify pushes it anyway)');
    const strategy = argv.monolithic
      ? { mode: 'monolithic' as const }
      : argv['chunk-size'] !== undefined
        ? { mode: 'chunked' as const, chunkSize: argv['chunk-size'] }
        : undefined;
    const client = await createRegistryClient({
      ...argv,
      ...(strategy ? { uploadStrategy: { [registry.apiHost(reference.registry)]: strategy } } : {}),
    });
    const progress = await startProgress('push', stats.size, argv.progress);
    try {
      const destination = client.repository(reference);
      const tag = reference.tag ?? 'latest';
      // A large file new to us is uploaded while it is hashed and verified: one read instead of
      // a hashing pass first. (A small one is hashed first, so a registry that already has it is
      // asked with a HEAD and nothing is sent.)
      let layer = known !== undefined ? { digest: known.digest, size: known.size } : undefined;
      let streamedBytes = 0;
      if (layer === undefined && stats.size >= SINGLE_PASS_MIN_BYTES) {
        let inspection: InspectedStream | undefined;
        const uploaded = await destination.pushStream(
          registry.PAR_LAYER_MEDIA_TYPE,
          async () => {
            const file = createReadStream(argv.file, { highWaterMark: READ_CHUNK_SIZE });
            if (!verify) return file;
            inspection = registry.inspectWhileReading(file, verifier);
            return inspection.stream;
          },
          { onProgress: (bytes) => progress.advance(bytes) },
        );
        await inspection?.inspected();
        layer = uploaded;
        streamedBytes = uploaded.size;
      }
      const source = await registry.ParFileSource.open(argv.file, {
        annotations,
        ...(argv.config !== undefined ? { config: argv.config } : {}),
        ...(argv['artifact-type'] !== undefined ? { artifact: { artifactType: argv['artifact-type'] } } : {}),
        ...(layer !== undefined ? { layer } : {}),
        // Otherwise verified while the layer uploads; the manifest is pushed only if it verified.
        ...(verify && streamedBytes === 0 ? { inspect: verifier } : {}),
      });
      const result = await registry.copy(source, source.manifest.descriptor.digest, destination, reference.digest ?? tag, {
        onProgress: (bytes) => progress.advance(bytes),
        beforeCommit: () => source.inspected(),
      });
      progress.stop();
      await cache.remember(argv.file, stats, { digest: source.layer.digest, size: source.layer.size, verified: argv.verify || known?.verified === true }, observedAt);
      const shown = registry.formatReference(reference);
      printResult(
        argv.output,
        { reference: shown, digest: result.descriptor.digest, size: result.descriptor.size, mediaType: result.descriptor.mediaType, layer: source.manifest.layer, uploadedBytes: result.bytes + streamedBytes, skipped: result.skipped, mounted: result.mounted },
        () => `Successfully pushed ${shown}\n${tag}: digest: ${result.descriptor.digest} size: ${result.descriptor.size}`,
      );
    } finally {
      progress.stop();
      await client.close();
    }
  },
};

async function statFile(file: string): Promise<Stats> {
  try {
    const stats = await stat(file);
    if (!stats.isFile()) throw new CliError(`${file} is not a file`);
    return stats;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`no such file: ${file}`, 'not_found');
  }
}
