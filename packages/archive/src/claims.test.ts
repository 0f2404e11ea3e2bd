import { describe, expect, test } from 'vitest';
import { generateJti, parseProviderClaims, serializeClaims, type ProviderClaims } from './claims.js';

const full: ProviderClaims = {
  exp: 2000000000,
  jti: 'Ftos3Nndqov7etaQwz5Ntl',
  iat: 1612208012,
  iss: 'AISS',
  sub: 'VSUB',
  nbf: 1600000000,
  wascap: {
    name: 'Fake Payments',
    capid: 'examples:payments',
    vendor: 'wasmCloud',
    rev: 1,
    ver: '1.0',
    target_hashes: { 'x86_64-linux': 'AB', 'aarch64-linux': 'CD' },
    config_schema: { z: 1, a: { y: [{ b: 1, a: 2 }], x: null } },
  },
  wascap_revision: 3,
};

describe('claims', () => {
  test('serializes with wascap key order, sorted hashes and a sorted schema', () => {
    expect(serializeClaims(full)).toBe(
      '{"exp":2000000000,"jti":"Ftos3Nndqov7etaQwz5Ntl","iat":1612208012,"iss":"AISS","sub":"VSUB","nbf":1600000000,' +
        '"wascap":{"name":"Fake Payments","capid":"examples:payments","vendor":"wasmCloud","rev":1,"ver":"1.0",' +
        '"target_hashes":{"aarch64-linux":"CD","x86_64-linux":"AB"},"config_schema":{"a":{"x":null,"y":[{"a":2,"b":1}]},"z":1}},' +
        '"wascap_revision":3}',
    );
  });

  test('omits absent optional fields and writes a null name', () => {
    const minimal: ProviderClaims = { jti: 'j', iat: 1, iss: 'A', sub: 'V', wascap: { name: null, vendor: 'v', target_hashes: {} } };
    expect(serializeClaims(minimal)).toBe('{"jti":"j","iat":1,"iss":"A","sub":"V","wascap":{"name":null,"vendor":"v","target_hashes":{}}}');
  });

  test('parse(serialize(x)) is x', () => {
    expect(parseProviderClaims(JSON.parse(serializeClaims(full)))).toEqual({
      ...full,
      wascap: { ...full.wascap, config_schema: { a: { x: null, y: [{ a: 2, b: 1 }] }, z: 1 } },
    });
  });

  test('refuses claims that are not a provider’s', () => {
    expect(() => parseProviderClaims({ jti: 'j', iat: 1, iss: 'A', sub: 'V' })).toThrow(/no 'wascap' object/);
    expect(() => parseProviderClaims({ jti: 'j', iat: 1, iss: 'A', sub: 'M', wascap: { name: 'x', hash: 'AB' } })).toThrow(/vendor/);
    expect(() => parseProviderClaims({ jti: 'j', iat: 1, iss: 'A', sub: 'V', wascap: { vendor: 'v', rev: 'one' } })).toThrow(/rev/);
  });

  test('jti is 22 base-62 characters and unique', () => {
    const ids = new Set(Array.from({ length: 200 }, generateJti));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^[0-9A-Za-z]{22}$/);
  });
});
