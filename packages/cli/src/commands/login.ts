import type { CommandModule } from 'yargs';
import { CliError } from '../errors.js';
import { printResult, type GlobalOptions } from '../render/output.js';
import { createRegistryClient, registryFlags, type RegistryFlags } from '../flags/registry-options.js';
import { settings } from '../settings.js';

interface LoginArgs extends GlobalOptions, RegistryFlags {
  server: string;
  'password-stdin': boolean;
}

export const loginCommand: CommandModule<GlobalOptions, LoginArgs> = {
  command: 'login <server>',
  describe: 'Check credentials against a registry and store them the way `docker login` does',
  builder: (yargs) =>
    yargs
      .positional('server', { type: 'string', demandOption: true, describe: 'Registry host[:port]' })
      .option('password-stdin', { type: 'boolean', default: false, describe: 'Read the password from stdin' })
      .options(registryFlags),
  handler: async (argv) => {
    const registry = await import('@par/registry');
    const username = argv.user ?? settings().user;
    const password = argv['password-stdin'] ? (await readStdin()).replace(/\r?\n$/, '') : (argv.password ?? settings().password);
    if (!username || !password) throw new CliError('par login needs --user and --password (or --password-stdin, or WASH_REG_USER/WASH_REG_PASSWORD)');
    const host = registry.normalizeRegistry(argv.server);
    const client = await createRegistryClient({ ...argv, user: username, password });
    try {
      await registry.checkCredentials(client, host);
    } finally {
      await client.close();
    }
    const stored = await registry.storeCredential(host, { username, password });
    printResult(argv.output, { registry: host, username, storage: stored.storage, location: stored.location }, () => `Login Succeeded (stored in ${stored.location})`);
  },
};

interface LogoutArgs extends GlobalOptions {
  server: string;
}

export const logoutCommand: CommandModule<GlobalOptions, LogoutArgs> = {
  command: 'logout <server>',
  describe: 'Remove stored credentials for a registry',
  builder: (yargs) => yargs.positional('server', { type: 'string', demandOption: true, describe: 'Registry host[:port]' }),
  handler: async (argv) => {
    const registry = await import('@par/registry');
    const host = registry.normalizeRegistry(argv.server);
    const removed = await registry.eraseCredential(host);
    printResult(argv.output, { registry: host, removed }, () => (removed ? `Removed login credentials for ${host}` : `Not logged in to ${host}`));
  },
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
