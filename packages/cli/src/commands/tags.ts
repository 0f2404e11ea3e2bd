import type { CommandModule } from 'yargs';
import { printResult, type GlobalOptions } from '../render/output.js';
import { terminalSafe } from '../safe-text.js';
import { createRegistryClient, defaultRegistry, registryFlags, type RegistryFlags } from '../flags/registry-options.js';

interface TagsArgs extends GlobalOptions, RegistryFlags {
  repository: string;
  all: boolean;
}

export const tagsCommand: CommandModule<GlobalOptions, TagsArgs> = {
  command: 'tags <repository>',
  describe: 'List the tags of a repository (all pages)',
  builder: (yargs) =>
    yargs
      .positional('repository', { type: 'string', demandOption: true, describe: 'registry/repository' })
      .option('all', { type: 'boolean', default: false, describe: 'Also list the sha256-<hex> tags of the OCI referrers fallback' })
      .options(registryFlags),
  handler: async (argv) => {
    const registry = await import('@par/registry');
    const host = defaultRegistry(argv);
    const reference = registry.parseRepository(argv.repository, host ? { defaultRegistry: host } : {});
    const client = await createRegistryClient(argv);
    try {
      const tags: string[] = [];
      for await (const tag of client.repository(reference).tags()) {
        if (argv.all || !registry.isReferrersFallbackTag(tag)) tags.push(tag);
      }
      printResult(argv.output, { repository: registry.referenceName(reference), tags }, () => tags.map(terminalSafe).join('\n'));
    } finally {
      await client.close();
    }
  },
};
