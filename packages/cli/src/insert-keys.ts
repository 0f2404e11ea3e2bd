import { CliError } from './errors.js';
import { notice } from './render/output.js';
import type { KeyFlags, LoadedKey } from './keys.js';

/**
 * Keys for re-signing an archive. The subject is the provider's identity, so it must be the
 * archive's own: taken from --subject or found in the key directories by its public key — never a
 * new key named after the inserted binary (wash's trap). The issuer defaults to the archive's own
 * issuer when its seed is at hand, else to the user's account key.
 */
export async function loadInsertKeys(flags: KeyFlags & { archive: string }): Promise<{ issuer: LoadedKey; subject: LoadedKey }> {
  const archive = await import('@par/archive');
  // Only the issuer and subject are needed here; insertTarget reads and verifies the whole archive.
  const { claims } = await archive.readClaims(flags.archive);
  const directories = flags.directory ? [flags.directory] : archive.keyDirectoriesToSearch();

  const subject = flags.subject !== undefined
    ? await archive.resolveKey({ value: flags.subject, name: 'subject', type: 'service', disableKeygen: true })
    : await archive.findKeyByPublicKey(claims.sub, directories);
  if (subject === undefined) {
    throw new CliError(
      `the archive's subject key ${claims.sub} has no seed in ${directories.join(' or ')}; pass --subject with the provider's service seed (a new subject would change the provider's identity)`,
      'not_found',
    );
  }

  let issuer = flags.issuer !== undefined
    ? await archive.resolveKey({ value: flags.issuer, name: 'issuer', type: 'account', disableKeygen: true })
    : await archive.findKeyByPublicKey(claims.iss, directories);
  if (issuer === undefined) {
    issuer = await archive.resolveKey({
      directory: flags.directory ?? archive.defaultKeyDirectory(),
      name: archive.defaultAccountKeyName(),
      type: 'account',
      disableKeygen: flags['disable-keygen'],
    });
  }
  const issuerKey = issuer.keyPair.getPublicKey();
  if (issuerKey !== claims.iss) notice(`note: the archive was issued by ${claims.iss}; it is re-signed by ${issuerKey}`);
  return {
    issuer: { keyPair: issuer.keyPair, publicKey: issuerKey },
    subject: { keyPair: subject.keyPair, publicKey: subject.keyPair.getPublicKey() },
  };
}

