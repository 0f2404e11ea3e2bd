import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { JWT_HEADER_JSON, JWT_HEADER_SEGMENT, base64UrlEncode, decodeToken, signToken, tokenSignatureValid } from './jwt.js';
import { keyPairFromSeed } from './nkey.js';
import { WASH_ACCOUNT, WASH_ACCOUNT_SEED, fixturesDir } from './test-support.js';

describe('jwt', () => {
  test('the header segment is the base64url of the wascap header', () => {
    expect(base64UrlEncode(JWT_HEADER_JSON)).toBe(JWT_HEADER_SEGMENT);
  });

  test('sign then decode round-trips and verifies under the issuer', () => {
    const jwt = signToken('{"a":1}', keyPairFromSeed(WASH_ACCOUNT_SEED));
    expect(jwt.startsWith(`${JWT_HEADER_SEGMENT}.`)).toBe(true);
    expect(jwt).not.toContain('=');
    const token = decodeToken(jwt);
    expect(token.claims).toEqual({ a: 1 });
    expect(token.header).toEqual({ typ: 'jwt', alg: 'Ed25519' });
    expect(tokenSignatureValid(token, WASH_ACCOUNT)).toBe(true);
  });

  test('decodes the real fixture JWTs', async () => {
    const jwt = (await readFile(path.join(fixturesDir, 'jwt', 'fakepay.claims.jwt'), 'utf8')).trim();
    const token = decodeToken(jwt);
    expect(token.claims.jti).toBe('Ftos3Nndqov7etaQwz5Ntl');
    expect(tokenSignatureValid(token, token.claims.iss as string)).toBe(true);
  });

  test('malformed tokens are "invalid token format"', () => {
    expect(() => decodeToken('a.b')).toThrow(/invalid token format.*3 segments/);
    expect(() => decodeToken(`${JWT_HEADER_SEGMENT}.!!!.sig`)).toThrow(/invalid token format.*claims segment is not base64url/);
    expect(() => decodeToken(`${JWT_HEADER_SEGMENT}.${base64UrlEncode('nope')}.AA`)).toThrow(/invalid token format.*not JSON/);
    expect(() => decodeToken(`${JWT_HEADER_SEGMENT}.${base64UrlEncode('[1]')}.AA`)).toThrow(/invalid token format.*not a JSON object/);
  });
});
