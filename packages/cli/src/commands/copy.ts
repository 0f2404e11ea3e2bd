import type { CommandModule } from 'yargs';
import { CliError } from '../errors.js';
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
      .positional('destination', {
        type: 'string',
        demandOption: true,
        describe: "registry/repository[:tag], or oci:PATH[:TAG] (no tag: the source's tag, or its digest untagged)",
      })
      .option('tag', { alias: 't', type: 'string', array: true, describe: 'Extra tag at the destination (repeatable)' })
      .options(transferCredentialFlags)
      .options(registryFlags),
  handler: async (argv) => {
    const registry = await import('@par/registry');
    const client = await createRegistryClient(argv, await transferHosts([argv.source], [argv.destination], argv));
    try {
      const source = await openTarget(argv.source, client, argv, 'source');
      const root = await source.target.resolve(source.reference);
      const destination = await openTarget(argv.destination, client, argv, 'destination', { inherited: source.reference || root.digest });
      if (isDigest(destination.reference) && destination.reference !== root.digest) {
        throw new CliError(`${destination.display} names digest ${destination.reference}, but ${source.display} is ${root.digest}`, 'invalid');
      }
      const result = await registry.copy(source.target, root.digest, destination.target, destination.reference, { tags: argv.tag ?? [] });
      const tags = [...new Set([destination.reference, ...(argv.tag ?? [])].filter((tag) => !isDigest(tag)))];
      printResult(
        argv.output,
        {
          source: source.display,
          destination: destination.display,
          sourceDigest: root.digest,
          destinationDigest: result.descriptor.digest,
          tags,
          bytes: result.bytes,
          copied: result.copied,
          mounted: result.mounted,
          skipped: result.skipped,
        },
        () =>
          `Copied ${source.display} to ${destination.display}\n` +
          `source digest:      ${root.digest}\ndestination digest: ${result.descriptor.digest}\n` +
          `blobs and manifests: ${result.copied} copied, ${result.mounted} mounted, ${result.skipped} already there (${result.bytes} bytes sent)`,
      );
    } finally {
      await client.close();
    }
  },
};

function isDigest(reference: string): boolean {
  return reference.includes(':');
}
