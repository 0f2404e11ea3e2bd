import type { CommandModule } from 'yargs';
import { repeated } from '../repeated.js';
import { printResult, type GlobalOptions } from '../output.js';
import { createRegistryClient, registryFlags, transferCredentialFlags, type RegistryFlags, type TransferCredentialFlags } from '../registry-options.js';
import { openTarget, transferHosts } from '../targets.js';

interface CopyArgs extends GlobalOptions, RegistryFlags, TransferCredentialFlags {
  source: string;
  destination: string;
  tag?: string[];
}

export const copyCommand: CommandModule<GlobalOptions, CopyArgs> = {
  command: 'copy <source> <destination>',
  describe: 'Copy an artifact byte for byte between registries and OCI layouts (oci:PATH[:TAG])',
  builder: (yargs) =>
    yargs
      .positional('source', { type: 'string', demandOption: true, describe: 'registry/repository:tag|@digest, or oci:PATH[:TAG]' })
      .positional('destination', { type: 'string', demandOption: true, describe: 'registry/repository[:tag], or oci:PATH[:TAG]' })
      .option('tag', { alias: 't', type: 'string', coerce: repeated, describe: 'Extra tag at the destination (repeatable)' })
      .options(transferCredentialFlags)
      .options(registryFlags),
  handler: async (argv) => {
    const registry = await import('@par/registry');
    const client = await createRegistryClient(argv, await transferHosts([argv.source], [argv.destination], argv));
    try {
      const source = await openTarget(argv.source, client, argv, 'source');
      const destination = await openTarget(argv.destination, client, argv, 'destination');
      const root = await source.target.resolve(source.reference);
      const result = await registry.copy(source.target, root.digest, destination.target, destination.reference, { tags: argv.tag ?? [] });
      printResult(
        argv.output,
        {
          source: source.display,
          destination: destination.display,
          sourceDigest: root.digest,
          destinationDigest: result.descriptor.digest,
          tags: [destination.reference, ...(argv.tag ?? [])],
          bytes: result.bytes,
          copied: result.copied,
          mounted: result.mounted,
          skipped: result.skipped,
        },
        () =>
          `Copied ${source.display} to ${destination.display}\n` +
          `source digest:      ${root.digest}\ndestination digest: ${result.descriptor.digest}\n` +
          `blobs: ${result.copied} copied, ${result.mounted} mounted, ${result.skipped} already there (${result.bytes} bytes sent)`,
      );
    } finally {
      await client.close();
    }
  },
};
