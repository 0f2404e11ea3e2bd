import type { CommandModule } from 'yargs';
import { printResult, type GlobalOptions } from '../render/output.js';
import { startProgress, type Progress } from '../render/progress.js';
import { createRegistryClient, registryDefaults, registryFlags, type RegistryFlags } from '../flags/registry-options.js';
import { interruption } from '../interruption.js';

interface PullArgs extends GlobalOptions, RegistryFlags {
  reference: string;
  destination?: string;
  digest?: string;
  'allow-latest': boolean;
  verify: boolean;
  progress: boolean;
  force: boolean;
}

export const pullCommand: CommandModule<GlobalOptions, PullArgs> = {
  command: 'pull <reference>',
  describe: 'Pull a provider archive or a Wasm component from an OCI registry (digest and content verified before the file appears)',
  builder: (yargs) =>
    yargs
      .positional('reference', { type: 'string', demandOption: true, describe: 'registry/repository:tag or @digest' })
      .option('destination', { type: 'string', describe: 'Output file (default <last repository segment>.par.gz, .par for an uncompressed archive, .wasm for a component)' })
      .option('force', { type: 'boolean', default: false, describe: 'Replace an existing file that holds another artifact' })
      .option('digest', { type: 'string', describe: 'Require this manifest digest' })
      .option('allow-latest', { type: 'boolean', default: false, describe: 'Allow the tag "latest"' })
      .option('verify', { type: 'boolean', default: true, describe: 'Verify the archive hashes, or that a component is one (--no-verify to skip; digests are always checked)' })
      .option('progress', { type: 'boolean', default: true, describe: 'Show a progress bar on a terminal' })
      .options(registryFlags),
  handler: async (argv) => {
    const registry = await import('@par/registry');
    const reference = registry.parseParReference(argv.reference, { ...registryDefaults(argv), allowLatest: argv['allow-latest'], purpose: 'pull' });
    const client = await createRegistryClient(argv);
    let progress: Progress | undefined;
    try {
      const pulled = await registry.pullFile({
        client,
        reference,
        ...(argv.destination !== undefined ? { file: argv.destination } : {}),
        ...(argv.digest !== undefined ? { requireDigest: argv.digest } : {}),
        verify: argv.verify,
        force: argv.force,
        onLayer: async (layer) => {
          progress = await startProgress('pull', layer.size, argv.progress);
        },
        onProgress: (bytes) => progress?.advance(bytes),
        signal: interruption,
      });
      progress?.stop();
      printResult(
        argv.output,
        {
          file: pulled.file, reference: pulled.reference, digest: pulled.manifest.digest, size: pulled.layer.size,
          ...(pulled.kind === 'component'
            ? { kind: pulled.wasm?.kind ?? 'unchecked', layout: pulled.layout, ...(pulled.wasm ? { exports: pulled.wasm.exports, imports: pulled.wasm.imports } : {}) }
            : {}),
        },
        () => `Successfully pulled ${pulled.reference} to ${pulled.file}\ndigest: ${pulled.manifest.digest} size: ${pulled.layer.size}`,
      );
    } finally {
      progress?.stop();
      await client.close();
    }
  },
};
