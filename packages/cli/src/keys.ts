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
  // With --directory, that directory is the only one searched: a release is never signed with a
  // key found in the developer's ~/.wash/keys.
  const directory = flags.directory;
  const loaded = (key: { keyPair: KeyPair }): LoadedKey => ({ keyPair: key.keyPair, publicKey: key.keyPair.getPublicKey() });
  const given = async (value: string | undefined, type: 'account' | 'service') =>
    value === undefined ? undefined : loaded(await archive.resolveKey({ value, name: type, type, disableKeygen: true }));
  const fromDirectory = async (name: string, type: 'account' | 'service'): Promise<LoadedKey> => {
    const resolved = await archive.resolveKey({ ...(directory !== undefined ? { directory } : {}), name, type, disableKeygen: flags['disable-keygen'] });
    if (resolved.generated && resolved.path) {
      // wash's words, a line each: notice() keeps every message on one line (escaping newlines).
      notice(`No keypair found in "${resolved.path}".`);
      notice('We will generate one for you and place it there.');
      notice("If you'd like to use alternative keys, you can supply them as a flag.");
      notice('');
    }
    return loaded(resolved);
  };
  // Keys given as flags are checked first, so a bad one fails before any key is generated.
  const issuerGiven = await given(flags.issuer, 'account');
  const subjectGiven = await given(flags.subject, 'service');
  if (flags['disable-keygen']) await refuseMissingKeys(issuerGiven === undefined, subjectGiven === undefined, subjectName, directory);
  const issuer = issuerGiven ?? (await fromDirectory(archive.defaultAccountKeyName(), 'account'));
  const subject = subjectGiven ?? (await fromDirectory(subjectName, 'service'));
  return { issuer, subject };
}

/** With --disable-keygen, both keys are looked for before either is used, naming the missing file. */
async function refuseMissingKeys(needIssuer: boolean, needSubject: boolean, subjectName: string, directory: string | undefined): Promise<void> {
  const archive = await import('@par/archive');
  const wanted = [...(needIssuer ? [{ name: archive.defaultAccountKeyName(), type: 'account' as const }] : []), ...(needSubject ? [{ name: subjectName, type: 'service' as const }] : [])];
  for (const key of wanted) {
    await archive.resolveKey({ ...(directory !== undefined ? { directory } : {}), ...key, disableKeygen: true });
  }
}
