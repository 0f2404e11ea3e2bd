import type { CommandModule } from 'yargs';
import { CliError } from '../errors.js';
import { printResult, type GlobalOptions } from '../render/output.js';
import { promptPassword, readPasswordFromStdin } from '../password-input.js';
import { createRegistryClient, registryFlags, type RegistryFlags } from '../flags/registry-options.js';
import { settings } from '../settings.js';

// --registry (the default registry of references) means nothing to login, which names its server.
const { registry: _defaultRegistry, ...loginFlags } = registryFlags;

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
      .options(loginFlags),
  handler: async (argv) => {
    const registry = await import('@par/registry');
    const username = argv.user ?? settings().user;
    if (!username) throw new CliError('par login needs a user name: --user, or WASH_REG_USER');
    const password = argv['password-stdin']
      ? await readPasswordFromStdin()
      : (argv.password ?? settings().password ?? (await promptPassword(`Password for ${username}: `)));
    if (!password) throw new CliError('par login needs a password: on a terminal it asks; else --password-stdin, --password or WASH_REG_PASSWORD');
    const host = registry.normalizeRegistry(argv.server);
    const client = await createRegistryClient({ ...argv, user: username, password });
    let check: 'verified' | 'not-asked';
    try {
      check = await registry.checkCredentials(client, host);
    } finally {
      await client.close();
    }
    // A registry that lets anyone in at /v2/ may still want credentials to push: they are stored,
    // but the output never claims a check that did not happen.
    const stored = await registry.storeCredential(host, { username, password });
    printResult(argv.output, { registry: host, username, verified: check === 'verified', storage: stored.storage, location: stored.location }, () =>
      check === 'verified'
        ? `Login Succeeded (stored in ${stored.location})`
        : `Credentials stored in ${stored.location} but NOT checked: ${host} answered GET /v2/ without asking for credentials`,
    );
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
