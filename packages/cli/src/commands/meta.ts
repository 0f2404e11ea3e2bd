import type { CommandModule } from 'yargs';
import { printResult, type GlobalOptions } from '../render/output.js';
import { cliVersion } from '../version.js';

// `par help [command]` is turned into `[command] --help` before parsing (cli.ts); this entry lists it.
export const helpCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'help [command]',
  describe: 'Show help for par or for one command (as --help, -h)',
  handler: () => undefined,
};

export const versionCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'version',
  describe: "Print par's version (as --version)",
  handler: (argv) => {
    const version = cliVersion();
    printResult(argv.output, { version }, () => `par ${version}`);
  },
};
