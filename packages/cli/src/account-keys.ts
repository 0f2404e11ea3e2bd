import { UsageError } from '@par/errors';

/**
 * Refuses anything but account public keys (`A…`, 56 characters, valid checksum) where issuers
 * are named (promote --require-issuer, plan requireIssuer, verify --issuer): a typo would
 * otherwise refuse every archive. A seed pasted by mistake is not echoed.
 */
export async function checkAccountKeys(keys: readonly string[], where: string): Promise<void> {
  const archive = await import('@par/archive');
  for (const key of keys) {
    if (archive.decodePublicKey(key)?.letter === 'A') continue;
    if (key.startsWith('S')) throw new UsageError(`${where}: a value starting with S looks like a seed (a secret), not an account public key; it is not shown`);
    const kind = archive.decodePublicKey(key);
    throw new UsageError(
      kind === undefined
        ? `${where}: ${key} is not an account public key (A…, 56 characters, valid checksum)`
        : `${where}: ${key} is a ${kind.letter}… key, not an account (A…) public key`,
    );
  }
}
