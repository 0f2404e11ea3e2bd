import * as nkeys from 'nkeys.js';
import { describe, expect, test } from 'vitest';
import { createKeyPair, decodePublicKey, keyPairFromSeed, seedTypeLetter, verifySignature } from './nkey.js';
import { WASH_ACCOUNT, WASH_ACCOUNT_SEED, WASH_SERVICE, WASH_SERVICE_SEED } from './test-support.js';

const message = new TextEncoder().encode('signed bytes');

describe('nkeys', () => {
  test('derives the public keys of wash test seeds, account and service', () => {
    expect(keyPairFromSeed(WASH_ACCOUNT_SEED).getPublicKey()).toBe(WASH_ACCOUNT);
    expect(keyPairFromSeed(WASH_SERVICE_SEED).getPublicKey()).toBe(WASH_SERVICE);
    expect(seedTypeLetter(WASH_SERVICE_SEED)).toBe('V');
  });

  test('signs exactly as nkeys.js does for account keys', () => {
    const ours = keyPairFromSeed(WASH_ACCOUNT_SEED);
    const theirs = nkeys.fromSeed(new TextEncoder().encode(WASH_ACCOUNT_SEED));
    expect(Buffer.from(ours.sign(message)).equals(Buffer.from(theirs.sign(message)))).toBe(true);
    expect(new TextDecoder().decode(ours.getPrivateKey())).toBe(new TextDecoder().decode(theirs.getPrivateKey()));
    expect(theirs.verify(message, ours.sign(message))).toBe(true);
  });

  test('generated keys have the right type and verify', () => {
    for (const [type, letter] of [['account', 'A'], ['service', 'V'], ['module', 'M']] as const) {
      const key = createKeyPair(type);
      expect(key.getPublicKey()[0]).toBe(letter);
      expect(new TextDecoder().decode(key.getSeed()).slice(0, 2)).toBe(`S${letter}`);
      expect(verifySignature(key.getPublicKey(), message, key.sign(message))).toBe(true);
      expect(verifySignature(key.getPublicKey(), new TextEncoder().encode('other'), key.sign(message))).toBe(false);
    }
  });

  test('rejects malformed keys and seeds', () => {
    expect(decodePublicKey(`${WASH_SERVICE.slice(0, -1)}A`)).toBeUndefined();
    expect(decodePublicKey('VBM5')).toBeUndefined();
    expect(seedTypeLetter('SVAOZUSBWWFL65P255DOHIETPTXUQMM5ETLSYPITI5G4K4HI6M2CDAPWAA')).toBeUndefined();
    expect(() => keyPairFromSeed('not a seed')).toThrow(/not a valid nkey seed/);
  });
});
