import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createArchive, type CreateArchiveOptions } from './create.js';
import { JWT_HEADER_SEGMENT } from './jwt.js';
import { keyPairFromSeed } from './nkey.js';
import { headerChecksum } from './tar-header.js';
import { WASH_ACCOUNT, WASH_ACCOUNT_SEED, WASH_SERVICE, WASH_SERVICE_SEED, scratchDir, splitTar, writeRandomFile } from './test-support.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await scratchDir()));
afterEach(() => cleanup());

const issuer = keyPairFromSeed(WASH_ACCOUNT_SEED);
const subject = keyPairFromSeed(WASH_SERVICE_SEED);
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex').toUpperCase();

function options(overrides: Partial<CreateArchiveOptions>): CreateArchiveOptions {
  return { name: 'Test parJEEzy', vendor: 'TestRunner', binaries: [], issuer, subject, destination: path.join(dir, 'out.par'), compress: false, ...overrides };
}

describe('createArchive', () => {
  test('writes wash-identical tar bytes: headers, order, padding, 1024-byte trailer', async () => {
    const linux = await writeRandomFile(path.join(dir, 'linux'), 1000);
    const mac = await writeRandomFile(path.join(dir, 'mac'), 1024);
    const created = await createArchive(
      options({
        version: '3.2.1',
        revision: 42,
        binaries: [
          { target: 'x86_64-linux', path: path.join(dir, 'linux') },
          { target: 'aarch64-macos', path: path.join(dir, 'mac') },
        ],
        now: new Date(1_700_000_000_000),
      }),
    );
    expect(created.destination).toBe(path.join(dir, 'out.par'));
    const tar = await readFile(created.destination);
    const { entries, end } = splitTar(tar);
    expect(entries.map((e) => e.name)).toEqual(['claims.jwt', 'aarch64-macos.bin', 'x86_64-linux.bin']);

    const jwtBytes = Buffer.from(created.jwt, 'ascii');
    const jwtEntry = entries[0]!;
    expect(jwtEntry.data.equals(jwtBytes)).toBe(true);
    // Field by field: name, all-NUL mode/uid/gid, size, mtime, checksum, typeflag NUL, linkname NUL, GNU magic, rest NUL.
    const h = jwtEntry.header;
    expect(h.subarray(0, 100).toString('latin1')).toBe(`claims.jwt${'\0'.repeat(90)}`);
    expect(h.subarray(100, 124).equals(Buffer.alloc(24))).toBe(true);
    expect(h.subarray(124, 136).toString('latin1')).toBe(`${jwtBytes.length.toString(8).padStart(11, '0')}\0`);
    expect(h.subarray(136, 148).toString('latin1')).toBe('00000000000\0');
    expect(h.subarray(148, 156).toString('latin1')).toBe(`${headerChecksum(h).toString(8).padStart(7, '0')}\0`);
    expect(h[156]).toBe(0);
    expect(h.subarray(157, 257).equals(Buffer.alloc(100))).toBe(true);
    expect(h.subarray(257, 265).toString('latin1')).toBe('ustar  \0');
    expect(h.subarray(265, 512).equals(Buffer.alloc(247))).toBe(true);

    expect(entries[1]!.data.equals(mac)).toBe(true);
    expect(entries[2]!.data.equals(linux)).toBe(true);
    expect(entries[2]!.header.subarray(124, 136).toString('latin1')).toBe('00000001750\0');
    // Data is padded with zeros to 512.
    const linuxPad = tar.subarray(entries[2]!.offset + 512 + 1000, entries[2]!.offset + 512 + 1024);
    expect(linuxPad.equals(Buffer.alloc(24))).toBe(true);
    // Exactly two zero blocks after the last entry, and nothing else.
    expect(tar.length).toBe(end + 1024);
    expect(tar.subarray(end).equals(Buffer.alloc(1024))).toBe(true);
    expect(tar.length).toBe(512 + Math.ceil(jwtBytes.length / 512) * 512 + 512 + 1024 + 512 + 1024 + 1024);

    // The JWT: wash header segment, claims in wascap order, uppercase hashes, wascap_revision 3.
    const [headerSegment, claimsSegment] = created.jwt.split('.');
    expect(headerSegment).toBe(JWT_HEADER_SEGMENT);
    const json = Buffer.from(claimsSegment!, 'base64url').toString('utf8');
    const claims = JSON.parse(json);
    expect(Object.keys(claims)).toEqual(['jti', 'iat', 'iss', 'sub', 'wascap', 'wascap_revision']);
    expect(Object.keys(claims.wascap)).toEqual(['name', 'vendor', 'rev', 'ver', 'target_hashes']);
    expect(json.startsWith(`{"jti":"${claims.jti}","iat":1700000000,"iss":"${WASH_ACCOUNT}","sub":"${WASH_SERVICE}","wascap":{"name":"Test parJEEzy","vendor":"TestRunner","rev":42,"ver":"3.2.1","target_hashes":{`)).toBe(true);
    expect(claims.wascap.target_hashes).toEqual({ 'aarch64-macos': sha(mac), 'x86_64-linux': sha(linux) });
    expect(claims.wascap.target_hashes['x86_64-linux']).toMatch(/^[0-9A-F]{64}$/);
    expect(claims.wascap_revision).toBe(3);
    expect(claims.jti).toMatch(/^[0-9A-Za-z]{22}$/);
  });

  test('compresses with the exact wash gzip header and appends .gz', async () => {
    const bytes = await writeRandomFile(path.join(dir, 'bin'), 5000);
    const created = await createArchive(options({ binaries: [{ target: 'x86_64-linux', path: path.join(dir, 'bin') }], compress: true }));
    expect(created.destination).toBe(path.join(dir, 'out.par.gz'));
    const file = await readFile(created.destination);
    expect(file.subarray(0, 10).equals(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xff]))).toBe(true);
    const { entries } = splitTar(gunzipSync(file));
    expect(entries[1]!.data.equals(bytes)).toBe(true);

    const again = await createArchive(options({ binaries: [{ target: 'x86_64-linux', path: path.join(dir, 'bin') }], compress: true, destination: path.join(dir, 'x.gz') }));
    expect(again.destination).toBe(path.join(dir, 'x.gz'));
  });

  test('writes legacy capid, sorted config_schema, exp and nbf when asked', async () => {
    await writeRandomFile(path.join(dir, 'bin'), 10);
    const created = await createArchive(
      options({
        binaries: [{ target: 'x86_64-linux', path: path.join(dir, 'bin') }],
        capabilityContractId: 'wasmcloud:keyvalue',
        schema: { type: 'object', properties: { b: {}, a: {} } },
        expires: new Date(2_000_000_000_000),
        notBefore: new Date(1_000_000_000_000),
      }),
    );
    const json = Buffer.from(created.jwt.split('.')[1]!, 'base64url').toString('utf8');
    expect(Object.keys(JSON.parse(json))).toEqual(['exp', 'jti', 'iat', 'iss', 'sub', 'nbf', 'wascap', 'wascap_revision']);
    expect(json).toContain('"wascap":{"name":"Test parJEEzy","capid":"wasmcloud:keyvalue","vendor":"TestRunner","target_hashes":');
    expect(json).toContain('"config_schema":{"properties":{"a":{},"b":{}},"type":"object"}}');
    expect(json.startsWith('{"exp":2000000000,')).toBe(true);
    expect(json).toContain('"nbf":1000000000,');
  });

  test('puts world.wasm after claims.jwt and hashes it under "world.wasm"', async () => {
    await writeRandomFile(path.join(dir, 'bin'), 10);
    const world = await writeRandomFile(path.join(dir, 'world.wasm'), 700);
    const created = await createArchive(options({ binaries: [{ target: 'x86_64-linux', path: path.join(dir, 'bin') }], world: path.join(dir, 'world.wasm') }));
    const { entries } = splitTar(await readFile(created.destination));
    expect(entries.map((e) => e.name)).toEqual(['claims.jwt', 'world.wasm', 'x86_64-linux.bin']);
    expect(created.claims.wascap.target_hashes['world.wasm']).toBe(sha(world));
  });

  test('refuses bad targets, empty and missing binaries, bad key types, and leaves no file behind', async () => {
    await writeRandomFile(path.join(dir, 'bin'), 10);
    await writeFile(path.join(dir, 'empty'), '');
    const bin = path.join(dir, 'bin');
    const cases: [Partial<CreateArchiveOptions>, RegExp, string][] = [
      [{ binaries: [{ target: 'claims', path: bin }] }, /'claims' cannot be a target/, 'invalid'],
      [{ binaries: [{ target: 'world', path: bin }] }, /'world' cannot be a target/, 'invalid'],
      [{ binaries: [{ target: 'a/b', path: bin }] }, /target 'a\/b' cannot contain/, 'invalid'],
      [{ binaries: [{ target: '', path: bin }] }, /cannot be empty/, 'invalid'],
      [{ binaries: [] }, /at least one binary/, 'invalid'],
      [{ binaries: [{ target: 'x', path: bin }, { target: 'x', path: bin }] }, /target 'x' is given more than once/, 'invalid'],
      [{ binaries: [{ target: 'x', path: path.join(dir, 'empty') }] }, /target 'x'.*is empty/, 'invalid'],
      [{ binaries: [{ target: 'x', path: path.join(dir, 'missing') }] }, /target 'x'.*missing" does not exist/, 'not_found'],
      [{ binaries: [{ target: 'x', path: bin }], subject: issuer }, /subject must be a service key/, 'invalid'],
      [{ binaries: [{ target: 'x', path: bin }], issuer: subject }, /issuer must be an account key/, 'invalid'],
      [{ binaries: [{ target: 'x', path: bin }], revision: 2 ** 31 }, /32-bit integer/, 'invalid'],
    ];
    for (const [overrides, message, kind] of cases) {
      await expect(createArchive(options(overrides))).rejects.toMatchObject({ kind, message: expect.stringMatching(message) });
    }
    await expect(createArchive(options({ binaries: [{ target: 'x', path: bin }], destination: path.join(dir, 'no', 'such', 'dir.par') }))).rejects.toMatchObject({ kind: 'not_found' });
    expect((await readdir(dir)).sort()).toEqual(['bin', 'empty']);
  });
});
