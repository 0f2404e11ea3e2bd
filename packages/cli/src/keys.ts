import type { KeyPair } from '@par/archive';
import type { Options } from 'yargs';
import { notice } from './render/output.js';

/** The signing-key flags `create` and `insert` share, named as wash names them. */
export interface KeyFlags {
  issuer?: string;
  subject?: string;
  directory?: string;
  'disable-keygen': boolean;
}

export const keyFlags = {
  issuer: { alias: 'i', type: 'string', describe: 'Issuer (account) seed, or a file holding it' },
  subject: { alias: 's', type: 'string', describe: 'Subject (service) seed, or a file holding it' },
  directory: { alias: 'd', type: 'string', describe: 'Key directory (default $WASH_KEYS or ~/.wash/keys)' },
  'disable-keygen': { type: 'boolean', default: false, describe: 'Fail instead of generating missing keys' },
} as const satisfies Record<string, Options>;

export interface LoadedKey {
  keyPair: KeyPair;
  publicKey: string;
}

/**
 * Resolves the issuer (account) and subject (service) keys the way wash does, telling the user
 * where a newly generated key went (on stderr, so JSON on stdout stays clean).
 */
export async function loadSigningKeys(flags: KeyFlags, subjectName: string): Promise<{ issuer: LoadedKey; subject: LoadedKey }> {
  const archive = await import('@par/archive');
  const directory = flags.directory ?? archive.defaultKeyDirectory();
  const load = async (value: string | undefined, name: string, type: 'account' | 'service'): Promise<LoadedKey> => {
    const resolved = await archive.resolveKey({
      ...(value !== undefined ? { value } : {}),
      directory,
      name,
      type,
      disableKeygen: flags['disable-keygen'],
    });
    if (resolved.generated && resolved.path) {
      notice(`No keypair found in "${resolved.path}".\nWe will generate one for you and place it there.\nIf you'd like to use alternative keys, you can supply them as a flag.\n`);
    }
    return { keyPair: resolved.keyPair, publicKey: resolved.keyPair.getPublicKey() };
  };
  const issuer = await load(flags.issuer, archive.defaultAccountKeyName(), 'account');
  const subject = await load(flags.subject, subjectName, 'service');
  return { issuer, subject };
}
