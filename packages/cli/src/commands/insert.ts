import type { CommandModule } from 'yargs';
import { printResult, type GlobalOptions } from '../render/output.js';
import { keyFlags, type KeyFlags } from '../keys.js';
import { loadInsertKeys } from '../insert-keys.js';

interface InsertArgs extends GlobalOptions, KeyFlags {
  archive: string;
  arch: string;
  binary: string;
}

export const insertCommand: CommandModule<GlobalOptions, InsertArgs> = {
  command: 'insert <archive>',
  describe: "Add or replace a target binary and re-sign, keeping the provider's identity",
  builder: (yargs) =>
    yargs
      .positional('archive', { type: 'string', demandOption: true, describe: 'The .par/.par.gz file to update in place' })
      .option('arch', { alias: 'a', type: 'string', demandOption: true, describe: 'Target of the binary, e.g. aarch64-linux' })
      .option('binary', { alias: 'b', type: 'string', demandOption: true, describe: 'The provider binary for that target' })
      .options(keyFlags),
  handler: async (argv) => {
    const archive = await import('@par/archive');
    const { issuer, subject } = await loadInsertKeys(argv);
    await archive.insertTarget({
      archive: argv.archive,
      target: argv.arch,
      binary: argv.binary,
      issuer: issuer.keyPair,
      subject: subject.keyPair,
    });
    printResult(
      argv.output,
      { file: argv.archive, target: argv.arch, issuer: issuer.publicKey, service: subject.publicKey },
      () => `Successfully inserted ${argv.arch} into ${argv.archive}`,
    );
  },
};
