import type { CommandModule } from 'yargs';
import { printResult, type GlobalOptions } from '../output.js';

interface KeysGenerateArgs extends GlobalOptions {
  type: 'account' | 'service';
  name?: string;
  directory?: string;
}

interface KeysListArgs extends GlobalOptions {
  directory?: string;
}

const generate: CommandModule<GlobalOptions, KeysGenerateArgs> = {
  command: 'generate',
  describe: 'Generate a key pair; with --name it is saved in the key directory (mode 0600)',
  builder: (yargs) =>
    yargs
      .option('type', { alias: 't', choices: ['account', 'service'] as const, demandOption: true, describe: 'account (issuer) or service (provider subject)' })
      .option('name', { alias: 'n', type: 'string', describe: 'Save as <name>_<type>.nk in the key directory' })
      .option('directory', { alias: 'd', type: 'string', describe: 'Key directory (default $WASH_KEYS or ~/.wash/keys)' }),
  handler: async (argv) => {
    const archive = await import('@par/archive');
    if (argv.name !== undefined) {
      const directory = argv.directory ?? archive.defaultKeyDirectory();
      const saved = await archive.resolveKey({ directory, name: argv.name, type: argv.type });
      const publicKey = saved.keyPair.getPublicKey();
      const state = saved.generated ? 'generated' : 'exists';
      printResult(argv.output, { publicKey, path: saved.path, type: argv.type, state }, () =>
        saved.generated ? `Generated ${argv.type} key ${publicKey}\nSaved in ${saved.path}` : `A ${argv.type} key already exists in ${saved.path}: ${publicKey}`,
      );
      return;
    }
    // Without --name the seed is the output itself, as `wash keys gen` prints it: it is what was asked for.
    const keyPair = archive.generateKey(argv.type);
    const publicKey = keyPair.getPublicKey();
    const seed = new TextDecoder().decode(keyPair.getSeed());
    printResult(argv.output, { publicKey, seed, type: argv.type }, () => `Public Key: ${publicKey}\nSeed: ${seed}\n\nRemember that the seed is private, treat it as a secret.`);
  },
};

const list: CommandModule<GlobalOptions, KeysListArgs> = {
  command: 'list',
  describe: 'List the keys in the key directories (public keys only)',
  builder: (yargs) => yargs.option('directory', { alias: 'd', type: 'string', describe: 'Key directory to list' }),
  handler: async (argv) => {
    const archive = await import('@par/archive');
    const directories = argv.directory ? [argv.directory] : archive.keyDirectoriesToSearch();
    const keys = (await Promise.all(directories.map((d) => archive.listKeys(d)))).flat();
    printResult(argv.output, keys, () =>
      keys.length === 0
        ? `No keys in ${directories.join(' or ')}`
        : keys.map((k) => `${k.name.padEnd(32)} ${k.type.padEnd(8)} ${k.publicKey}  ${k.path}`).join('\n'),
    );
  },
};

export const keysCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'keys <command>',
  describe: 'Generate and list signing keys (wash key directory conventions)',
  builder: (yargs) => yargs.command(generate).command(list).demandCommand(1),
  handler: () => undefined,
};
