import type { CommandModule } from 'yargs';
import { CliError } from '../errors.js';
import { printResult, type GlobalOptions } from '../render/output.js';
import { createRegistryClient, defaultRegistry, registryFlags, type RegistryFlags } from '../flags/registry-options.js';
import { confirm } from '../confirm.js';

interface DeleteArgs extends GlobalOptions, RegistryFlags {
  reference: string;
  yes: boolean;
}

export const deleteCommand: CommandModule<GlobalOptions, DeleteArgs> = {
  command: 'delete <reference>',
  describe: "Delete a manifest (by digest, or a tag's manifest) and take it out of a referrers fallback index",
  builder: (yargs) =>
    yargs
      .positional('reference', { type: 'string', demandOption: true, describe: 'registry/repository@digest or registry/repository:tag' })
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'Do not ask for confirmation on a terminal' })
      .options(registryFlags),
  handler: async (argv) => {
    const registry = await import('@par/registry');
    const host = defaultRegistry(argv);
    const reference = registry.parseReference(argv.reference, host ? { defaultRegistry: host } : {});
    const client = await createRegistryClient(argv);
    try {
      const repository = client.repository(reference);
      const descriptor = await repository.resolve(registry.manifestReference(reference));
      const target = `${repository.name}@${descriptor.digest}`;
      if (!argv.yes && process.stdin.isTTY === true) {
        const tagNote = reference.digest === undefined ? ` (tag ${registry.manifestReference(reference)} and every other tag naming it)` : '';
        if (!(await confirm(`Delete ${target}${tagNote}? [y/N] `))) throw new CliError('not deleted: not confirmed', 'failure');
      }
      const result = await repository.deleteManifest(descriptor.digest);
      printResult(
        argv.output,
        { deleted: target, digest: descriptor.digest, ...(result.subject === undefined ? {} : { subject: result.subject.digest }) },
        () => `Deleted ${target}${result.subject === undefined ? '' : `\n(a referrer of ${result.subject.digest}; removed from its referrers list)`}`,
      );
    } finally {
      await client.close();
    }
  },
};
