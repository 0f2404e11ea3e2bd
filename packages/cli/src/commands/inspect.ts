import type { CommandModule } from 'yargs';
import { CliError } from '../errors.js';
import { printResult, type GlobalOptions } from '../render/output.js';
import { renderDescription } from '../render/describe.js';
import { componentJson, renderComponent } from '../render/component.js';
import { openArchive } from '../open-archive.js';
import { registryFlags, type RegistryFlags } from '../flags/registry-options.js';

interface InspectArgs extends GlobalOptions, RegistryFlags {
  archive: string;
}

export const inspectCommand: CommandModule<GlobalOptions, InspectArgs> = {
  command: 'inspect <archive>',
  describe: 'Show the claims of a provider archive, or the exports and imports of a Wasm component (a file or a reference)',
  builder: (yargs) =>
    yargs
      .positional('archive', { type: 'string', demandOption: true, describe: 'A .par/.par.gz or .wasm file, or a registry reference' })
      .options(registryFlags),
  handler: async (argv) => {
    const archive = await import('@par/archive');
    const opened = await openArchive(argv.archive, argv);
    if (opened.type === 'component') {
      printResult(argv.output, componentJson(opened), () => renderComponent(opened));
      if (opened.problems.length > 0) throw new CliError(`${argv.archive} does not verify: ${opened.problems.join('; ')}`, 'verification');
      return;
    }
    const contents = opened.contents;
    const description = archive.describeArchive(contents);
    const report = archive.verifyArchive(contents);
    printResult(
      argv.output,
      { ...description, ...(opened.digest ? { digest: opened.digest } : {}) },
      () => renderDescription(description, contents.claims.iss),
    );
    if (!report.valid) {
      throw new CliError(`${argv.archive} does not verify: ${report.problems.map((p) => p.message).join('; ')}`, 'verification');
    }
  },
};
