import type { CommandModule } from 'yargs';
import { printResult, type GlobalOptions } from '../render/output.js';
import { startProgress, type Progress } from '../render/progress.js';
import { createRegistryClient, registryDefaults, registryFlags, type RegistryFlags } from '../flags/registry-options.js';

interface PullArgs extends GlobalOptions, RegistryFlags {
  reference: string;
  destination?: string;
  digest?: string;
  'allow-latest': boolean;
  verify: boolean;
  progress: boolean;
}

export const pullCommand: CommandModule<GlobalOptions, PullArgs> = {
  command: 'pull <reference>',
  describe: 'Pull a provider archive from an OCI registry (digest and archive verified before the file appears)',
  builder: (yargs) =>
    yargs
      .positional('reference', { type: 'string', demandOption: true, describe: 'registry/repository:tag or @digest' })
      .option('destination', { type: 'string', describe: 'Output file (default <last repository segment>.par.gz)' })
      .option('digest', { type: 'string', describe: 'Require this manifest digest' })
      .option('allow-latest', { type: 'boolean', default: false, describe: 'Allow the tag "latest"' })
      .option('verify', { type: 'boolean', default: true, describe: 'Verify the archive hashes (--no-verify to skip)' })
      .option('progress', { type: 'boolean', default: true, describe: 'Show a progress bar on a terminal' })
      .options(registryFlags),
  handler: async (argv) => {
    const registry = await import('@par/registry');
    const reference = registry.parseParReference(argv.reference, { ...registryDefaults(argv), allowLatest: argv['allow-latest'] });
    const client = await createRegistryClient(argv);
    let progress: Progress | undefined;
    try {
      const pulled = await registry.pullParFile({
        client,
        reference,
        ...(argv.destination !== undefined ? { file: argv.destination } : {}),
        ...(argv.digest !== undefined ? { requireDigest: argv.digest } : {}),
        verify: argv.verify,
        onLayer: async (layer) => {
          progress = await startProgress('pull', layer.size, argv.progress);
        },
        onProgress: (bytes) => progress?.advance(bytes),
      });
      progress?.stop();
      printResult(
        argv.output,
        { file: pulled.file, reference: pulled.reference, digest: pulled.manifest.digest, size: pulled.layer.size },
        () => `Successfully pulled ${pulled.reference} to ${pulled.file}\ndigest: ${pulled.manifest.digest} size: ${pulled.layer.size}`,
      );
    } finally {
      progress?.stop();
      await client.close();
    }
  },
};
