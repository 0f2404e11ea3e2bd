import type { CommandModule } from 'yargs';
import { printResult, type GlobalOptions } from '../render/output.js';
import { createRegistryClient, defaultRegistry, registryFlags, type RegistryFlags } from '../flags/registry-options.js';
import { renderReferrersTree } from '../render/referrers-tree.js';

interface DiscoverArgs extends GlobalOptions, RegistryFlags {
  reference: string;
  'artifact-type'?: string;
}

export const discoverCommand: CommandModule<GlobalOptions, DiscoverArgs> = {
  command: 'discover <reference>',
  describe: "List an artifact's referrers (signatures, SBOMs, attestations), recursively",
  builder: (yargs) =>
    yargs
      .positional('reference', { type: 'string', demandOption: true, describe: 'registry/repository:tag|@digest' })
      .option('artifact-type', { type: 'string', describe: 'Only direct referrers of this artifact type' })
      .options(registryFlags),
  handler: async (argv) => {
    const registry = await import('@par/registry');
    const host = defaultRegistry(argv);
    const reference = registry.parseReference(argv.reference, host ? { defaultRegistry: host } : {});
    const client = await createRegistryClient(argv);
    try {
      const repository = client.repository(reference);
      const tree = await registry.discoverReferrers(repository, registry.manifestReference(reference), {
        ...(argv['artifact-type'] === undefined ? {} : { artifactType: argv['artifact-type'] }),
      });
      printResult(argv.output, tree, () => renderReferrersTree(`${repository.name}@${tree.subject.digest}`, tree.referrers));
    } finally {
      await client.close();
    }
  },
};
