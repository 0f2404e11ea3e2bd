import type { CommandModule } from 'yargs';
import { repeated } from '../flags/repeated.js';
import { printResult, type GlobalOptions } from '../render/output.js';
import {
  createRegistryClient,
  registryDefaults,
  registryFlags,
  transferCredentialFlags,
  transferHosts,
  type RegistryFlags,
  type TransferCredentialFlags,
} from '../flags/registry-options.js';
import { interruption } from '../interruption.js';
import { referrerFlags, referrerSelection, type ReferrerFlags } from '../referrer-options.js';

interface CopyArgs extends GlobalOptions, RegistryFlags, TransferCredentialFlags, ReferrerFlags {
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
      .option('tag', { alias: 't', type: 'string', coerce: repeated, describe: 'Extra tag at the destination (repeatable)' })
      .options(referrerFlags)
      .options(transferCredentialFlags)
      .options(registryFlags),
  handler: async (argv) => {
    const registry = await import('@par/registry');
    const client = await createRegistryClient(argv, await transferHosts([argv.source], [argv.destination], argv));
    try {
      const result = await registry.copyArtifact(argv.source, argv.destination, { client, ...registryDefaults(argv), tags: argv.tag ?? [], referrers: referrerSelection(argv), signal: interruption });
      printResult(
        argv.output,
        {
          source: result.source,
          destination: result.destination,
          sourceDigest: result.sourceDigest,
          destinationDigest: result.descriptor.digest,
          tags: result.tags,
          bytes: result.bytes,
          copied: result.copied,
          mounted: result.mounted,
          skipped: result.skipped,
          referrers: result.referrers,
        },
        () =>
          `Copied ${result.source} to ${result.destination}\n` +
          `source digest:      ${result.sourceDigest}\ndestination digest: ${result.descriptor.digest}\n` +
          `blobs and manifests: ${result.copied} copied, ${result.mounted} mounted, ${result.skipped} already there (${result.bytes} bytes sent)\n` +
          `referrers: ${result.referrers.copied} copied, ${result.referrers.present} already there`,
      );
    } finally {
      await client.close();
    }
  },
};
