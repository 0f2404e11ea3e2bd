import { UsageError } from '@par/errors';
import type { CommandModule } from 'yargs';
import { CliError } from '../errors.js';
import { printResult, type GlobalOptions } from '../render/output.js';
import { knownOptions } from '../parsing/unknown-options.js';

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
  describe: 'Generate a key pair into the key directory (mode 0600; the seed is never printed)',
  builder: (yargs) =>
    yargs
      .option('type', { alias: 't', choices: ['account', 'service'] as const, demandOption: true, describe: 'account (issuer) or service (provider subject)' })
      .option('name', { alias: 'n', type: 'string', describe: 'Saved as <name>_<type>.nk in the key directory (account default: $USER)' })
      .option('directory', { alias: 'd', type: 'string', describe: 'Key directory (default $WASH_KEYS or ~/.wash/keys)' })
      .check((argv) => {
        if (argv.name !== undefined && (argv.name === '' || /[/\\\0]/.test(argv.name) || argv.name === '.' || argv.name === '..')) {
          throw new UsageError(`--name ${JSON.stringify(argv.name)} must be a plain name, without / or \\ (the key is saved as <name>_<type>.nk in the key directory)`);
        }
        return true;
      }),
  handler: async (argv) => {
    const archive = await import('@par/archive');
    // Seeds are secrets: they go into a 0600 file in the key directory and are never printed.
    const name = argv.name ?? (argv.type === 'account' ? archive.defaultAccountKeyName() : undefined);
    if (name === undefined) throw new CliError('a service key needs --name (wash names it after the provider binary, e.g. --name fakepay_provider)');
    const saved = await archive.resolveKey({ ...(argv.directory !== undefined ? { directory: argv.directory } : {}), name, type: argv.type });
    const publicKey = saved.keyPair.getPublicKey();
    const state = saved.generated ? 'generated' : 'exists';
    printResult(argv.output, { publicKey, path: saved.path, type: argv.type, state }, () =>
      saved.generated ? `Generated ${argv.type} key ${publicKey}\nSaved in ${saved.path}` : `${argv.type === 'account' ? 'An' : 'A'} ${argv.type} key already exists in ${saved.path}: ${publicKey}`,
    );
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
  builder: (yargs) => yargs.command(knownOptions.track(generate)).command(knownOptions.track(list)).demandCommand(1),
  handler: () => undefined,
};
