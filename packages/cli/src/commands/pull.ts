import { basename } from 'node:path';
import type { CommandModule } from 'yargs';
import { verifyingArchiveStream } from '../archive-check.js';
import { CliError } from '../errors.js';
import { printResult, type GlobalOptions } from '../output.js';
import { startProgress } from '../progress.js';
import { parseTransferReference } from '../references.js';
import { createRegistryClient, registryFlags, type RegistryFlags } from '../registry-options.js';
import { pullComponentFile } from '../pull-component.js';

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
  describe: 'Pull a provider archive or a Wasm component from an OCI registry (digest and content verified before the file appears)',
  builder: (yargs) =>
    yargs
      .positional('reference', { type: 'string', demandOption: true, describe: 'registry/repository:tag or @digest' })
      .option('destination', { type: 'string', describe: 'Output file (default <last repository segment>.par.gz, or .wasm for a component)' })
      .option('digest', { type: 'string', describe: 'Require this manifest digest' })
      .option('allow-latest', { type: 'boolean', default: false, describe: 'Allow the tag "latest"' })
      .option('verify', { type: 'boolean', default: true, describe: 'Verify the archive hashes, or that a component is one (--no-verify to skip; digests are always checked)' })
      .option('progress', { type: 'boolean', default: true, describe: 'Show a progress bar on a terminal' })
      .options(registryFlags),
  handler: async (argv) => {
    const registry = await import('@par/registry');
    const reference = await parseTransferReference(argv.reference, argv);
    if (argv.digest !== undefined) registry.parseDigest(argv.digest);
    const client = await createRegistryClient(argv);
    try {
      const repository = client.repository(reference);
      const { bytes, descriptor } = await repository.fetchManifest(reference.digest ?? reference.tag ?? 'latest');
      if (argv.digest !== undefined && argv.digest !== descriptor.digest) {
        throw new CliError(`${argv.reference} has manifest digest ${descriptor.digest}, not the required ${argv.digest}; nothing was written`, 'verification');
      }
      const manifest = registry.parseManifest(bytes, descriptor.mediaType);
      if (registry.isComponentManifest(manifest)) {
        const destination = argv.destination ?? `${basename(reference.repository)}.wasm`;
        const shown = registry.formatReference(reference);
        const size = registry.checkComponentManifest(manifest, shown).layer.size;
        const progress = await startProgress('pull', size, argv.progress);
        let pulled;
        try {
          pulled = await pullComponentFile({ repository, manifest, manifestDigest: descriptor.digest, display: shown, destination, verify: argv.verify, onProgress: (n) => progress.advance(n) });
        } finally {
          progress.stop();
        }
        printResult(
          argv.output,
          {
            file: destination, reference: shown, digest: descriptor.digest, size, kind: pulled.wasm?.kind ?? 'unchecked', layout: pulled.artifact.layout,
            ...(pulled.wasm ? { exports: pulled.wasm.exports, imports: pulled.wasm.imports } : {}),
          },
          () => `Successfully pulled ${shown} to ${destination}\ndigest: ${descriptor.digest} size: ${size}`,
        );
        return;
      }
      const destination = argv.destination ?? `${basename(reference.repository)}.par.gz`;
      const layer = registry.checkParManifest(manifest, registry.formatReference(reference));
      const progress = await startProgress('pull', layer.size, argv.progress);
      const sink = new registry.ParFileSink(destination, argv.verify ? { inspect: verifyingArchiveStream('the pulled archive') } : {});
      try {
        await registry.copy(repository, descriptor.digest, sink, undefined, { onProgress: (n) => progress.advance(n) });
      } finally {
        progress.stop();
      }
      const shown = registry.formatReference(reference);
      printResult(
        argv.output,
        { file: destination, reference: shown, digest: descriptor.digest, size: layer.size },
        () => `Successfully pulled ${shown} to ${destination}\ndigest: ${descriptor.digest} size: ${layer.size}`,
      );
    } finally {
      await client.close();
    }
  },
};
