import type { CommandModule } from 'yargs';
import { printResult, type GlobalOptions } from '../render/output.js';
import { createRegistryClient, defaultRegistry, registryFlags, type RegistryFlags } from '../flags/registry-options.js';

interface ResolveArgs extends GlobalOptions, RegistryFlags {
  reference: string;
}

export const resolveCommand: CommandModule<GlobalOptions, ResolveArgs> = {
  command: 'resolve <reference>',
  describe: 'Print the manifest digest a reference points at (one HEAD request)',
  builder: (yargs) =>
    yargs.positional('reference', { type: 'string', demandOption: true, describe: 'registry/repository:tag' }).options(registryFlags),
  handler: async (argv) => {
    const registry = await import('@par/registry');
    const host = defaultRegistry(argv);
    const reference = registry.parseReference(argv.reference, host ? { defaultRegistry: host } : {});
    const client = await createRegistryClient(argv);
    try {
      const descriptor = await client.repository(reference).resolve(registry.manifestReference(reference));
      printResult(
        argv.output,
        { reference: registry.formatReference(reference), digest: descriptor.digest, mediaType: descriptor.mediaType, size: descriptor.size },
        () => descriptor.digest,
      );
    } finally {
      await client.close();
    }
  },
};
