import { UsageError } from '@par/errors';
import type { CommandModule } from 'yargs';
import { FileDigestCache } from '../file-digest-cache.js';
import { repeated } from '../flags/repeated.js';
import { printResult, type GlobalOptions } from '../render/output.js';
import { startProgress } from '../render/progress.js';
import { interruption } from '../interruption.js';
import { createRegistryClient, registryDefaults, registryFlags, type RegistryFlags } from '../flags/registry-options.js';
import { settings } from '../settings.js';
import { refuseSwappedPush } from '../input-files.js';

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
  wasip1: boolean;
}

export const pushCommand: CommandModule<GlobalOptions, PushArgs> = {
  command: 'push <reference> <file>',
  describe: 'Push a provider archive or a Wasm component to an OCI registry (verified on the way; blobs the registry has are skipped)',
  builder: (yargs) =>
    yargs
      .positional('reference', { type: 'string', demandOption: true, describe: 'registry/repository:tag' })
      .positional('file', { type: 'string', demandOption: true, describe: 'The .par.gz (or .par) file, or a Wasm component (.wasm)' })
      .option('annotation', { type: 'string', coerce: repeated, describe: 'Manifest annotation key=value (repeatable)' })
      .option('config', { type: 'string', describe: 'A config blob file instead of {}' })
      .option('allow-latest', { type: 'boolean', default: false, describe: 'Allow the tag "latest"' })
      .option('monolithic', { type: 'boolean', default: false, describe: 'Upload each blob in one request' })
      .option('chunk-size', { type: 'number', describe: 'Upload in chunks of this many bytes' })
      .option('artifact-type', { type: 'string', describe: 'Write an OCI 1.1 artifact manifest with this artifactType' })
      .option('verify', { type: 'boolean', default: true, describe: 'Verify the archive before pushing (--no-verify to skip)' })
      .option('progress', { type: 'boolean', default: true, describe: 'Show a progress bar on a terminal' })
      .option('wasip1', { type: 'boolean', default: false, describe: 'Push a core Wasm module (not a component) with os wasip1' })
      .options(registryFlags)
      .check((argv) => {
        if (argv.monolithic && argv['chunk-size'] !== undefined) throw new UsageError('--monolithic and --chunk-size exclude each other');
        if (argv['chunk-size'] !== undefined && (!Number.isInteger(argv['chunk-size']) || argv['chunk-size'] < 1)) throw new UsageError('--chunk-size must be a positive integer');
        return true;
      }),
  handler: async (argv) => {
    const registry = await import('@par/registry');
    await refuseSwappedPush(argv.reference, argv.file);
    const reference = registry.parseParReference(argv.reference, { ...registryDefaults(argv), allowLatest: argv['allow-latest'], purpose: 'push' });
    const annotations = registry.parseAnnotations(argv.annotation ?? []);
    const stats = await registry.statParFile(argv.file);
    const strategy = argv.monolithic
      ? { mode: 'monolithic' as const }
      : argv['chunk-size'] !== undefined
        ? { mode: 'chunked' as const, chunkSize: argv['chunk-size'] }
        : undefined;
    const client = await createRegistryClient({
      ...argv,
      ...(strategy ? { uploadStrategy: { [registry.apiHost(reference.registry)]: strategy } } : {}),
    });
    // A .wasm is told by its first 8 bytes, whatever its name.
    const wasm = await registry.sniffWasmFile(argv.file);
    if (wasm === undefined && argv.wasip1) throw new UsageError(`--wasip1 is for core Wasm modules; ${argv.file} is not WebAssembly`);
    if (wasm !== undefined && (argv.config !== undefined || argv['artifact-type'] !== undefined)) {
      throw new UsageError(`${argv.file} is WebAssembly: --config and --artifact-type apply to provider archives only`);
    }
    const progress = await startProgress('push', stats.size, argv.progress);
    try {
      if (wasm !== undefined) {
        const pushed = await registry.pushComponentFile({ client, reference, file: argv.file, annotations, wasip1: argv.wasip1, onProgress: (bytes) => progress.advance(bytes) });
        progress.stop();
        printResult(
          argv.output,
          {
            reference: pushed.reference, kind: pushed.wasm.kind, digest: pushed.manifest.digest, size: pushed.manifest.size, mediaType: pushed.manifest.mediaType,
            layer: pushed.layer, config: pushed.config, exports: pushed.wasm.exports, imports: pushed.wasm.imports,
            uploadedBytes: pushed.uploadedBytes, skipped: pushed.skipped, mounted: pushed.mounted,
          },
          () => `Successfully pushed ${pushed.reference} (Wasm ${pushed.wasm.kind})\n${pushed.tag}: digest: ${pushed.manifest.digest} size: ${pushed.manifest.size}`,
        );
        return;
      }
      const pushed = await registry.pushParFile({
        client,
        reference,
        file: argv.file,
        manifest: {
          annotations,
          ...(argv.config !== undefined ? { config: argv.config } : {}),
          ...(argv['artifact-type'] !== undefined ? { artifact: { artifactType: argv['artifact-type'] } } : {}),
        },
        verify: argv.verify,
        digestMemory: await FileDigestCache.open(settings().cacheEnvironment),
        onProgress: (bytes) => progress.advance(bytes),
        signal: interruption,
      });
      progress.stop();
      printResult(
        argv.output,
        { reference: pushed.reference, digest: pushed.manifest.digest, size: pushed.manifest.size, mediaType: pushed.manifest.mediaType, layer: pushed.layer, uploadedBytes: pushed.uploadedBytes, skipped: pushed.skipped, mounted: pushed.mounted },
        () => `Successfully pushed ${pushed.reference}\n${pushed.tag}: digest: ${pushed.manifest.digest} size: ${pushed.manifest.size}`,
      );
    } finally {
      progress.stop();
      await client.close();
    }
  },
};
