import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { signToken } from './jwt.js';
import { keyPairFromSeed } from './nkey.js';
import { WASH_ACCOUNT_SEED, WASH_SERVICE_SEED, fixturesDir } from './test-support.js';
import { verifyToken } from './verify.js';

const fixtureJwts = ['fakepay.claims.jwt', 'libwascc_redis.claims.jwt', 'wascap-test-component.jwt', 'hello_plugin_s.component.jwt'];
const readJwt = async (name: string) => (await readFile(path.join(fixturesDir, 'jwt', name), 'utf8')).trim();

/** Replaces the character at `index` by another valid base64url character. */
function flip(jwt: string, index: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const current = alphabet.indexOf(jwt[index] as string);
  return jwt.slice(0, index) + alphabet[(current + 1) % 64] + jwt.slice(index + 1);
}

describe('verifyToken', () => {
  test.each(fixtureJwts)('%s verifies strictly', async (name) => {
    expect(verifyToken(await readJwt(name))).toEqual({ valid: true, problems: [] });
  });

  test('providers need a service subject, components a module subject', async () => {
    expect(verifyToken(await readJwt('fakepay.claims.jwt'), { subjectType: 'service' }).valid).toBe(true);
    expect(verifyToken(await readJwt('wascap-test-component.jwt'), { subjectType: 'module' }).valid).toBe(true);
    expect(verifyToken(await readJwt('wascap-test-component.jwt'), { subjectType: 'service' }).problems.map((p) => p.code)).toEqual(['subject_wrong_type']);
  });

  test.each(fixtureJwts)('changing any single character of the header or claims of %s fails', async (name) => {
    const jwt = await readJwt(name);
    const signedLength = jwt.lastIndexOf('.');
    for (let index = 0; index < signedLength; index++) {
      if (jwt[index] === '.') continue;
      const result = verifyToken(flip(jwt, index));
      expect(result.valid, `position ${index}`).toBe(false);
    }
  });

  test('flipping any single byte of the signed text fails', async () => {
    const jwt = await readJwt('fakepay.claims.jwt');
    const signedLength = jwt.lastIndexOf('.');
    for (let index = 0; index < signedLength; index++) {
      const bytes = Buffer.from(jwt, 'ascii');
      bytes[index] = (bytes[index] as number) ^ 0x01;
      expect(verifyToken(bytes.toString('latin1')).valid, `position ${index}`).toBe(false);
    }
  });

  test('reports expiry, not-before, wrong key types, a wrong header and disallowed issuers', () => {
    const issuer = keyPairFromSeed(WASH_ACCOUNT_SEED);
    const now = new Date(1_700_000_000_000);
    const claims = (extra: object) => JSON.stringify({ jti: 'j', iat: 1, iss: issuer.getPublicKey(), sub: keyPairFromSeed(WASH_SERVICE_SEED).getPublicKey(), ...extra });
    const codes = (jwt: string, options = {}) => verifyToken(jwt, { now, ...options }).problems.map((p) => p.code);
    expect(codes(signToken(claims({ exp: 1_600_000_000 }), issuer))).toEqual(['expired']);
    expect(codes(signToken(claims({ nbf: 1_800_000_000 }), issuer))).toEqual(['not_yet_valid']);
    expect(codes(signToken(claims({ iss: keyPairFromSeed(WASH_SERVICE_SEED).getPublicKey() }), issuer))).toEqual(['issuer_not_account', 'bad_signature']);
    expect(codes(signToken(claims({ sub: 'nope' }), issuer))).toEqual(['subject_wrong_type']);
    expect(codes(signToken(claims({}), issuer), { allowedIssuers: ['AOTHER'] })).toEqual(['issuer_not_allowed']);
    const good = signToken(claims({}), issuer);
    const eddsaHeader = Buffer.from('{"alg":"EdDSA","typ":"JWT"}').toString('base64url');
    expect(codes(`${eddsaHeader}${good.slice(good.indexOf('.'))}`)).toEqual(['bad_header', 'bad_signature']);
    expect(codes('not.a.jwt.at.all')).toEqual(['invalid_token']);
  });
});
