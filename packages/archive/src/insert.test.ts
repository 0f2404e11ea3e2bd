import { copyFile, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createArchive } from './create.js';
import { describeArchive } from './describe.js';
import { insertTarget } from './insert.js';
import { createKeyPair, keyPairFromSeed } from './nkey.js';
import { readArchive } from './read.js';
import { WASH_ACCOUNT_SEED, WASH_SERVICE, WASH_SERVICE_SEED, fakepayPath, maybeGunzip, scratchDir, splitTar, writeRandomFile } from './test-support.js';
import { verifyArchive } from './verify.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await scratchDir()));
afterEach(() => cleanup());

const issuer = keyPairFromSeed(WASH_ACCOUNT_SEED);
const subject = keyPairFromSeed(WASH_SERVICE_SEED);

async function makeArchive(compress: boolean): Promise<string> {
  await writeRandomFile(path.join(dir, 'linux'), 2000);
  await writeRandomFile(path.join(dir, 'world.wasm'), 300);
  const created = await createArchive({
    name: 'Test parJEEzy', vendor: 'TestRunner', version: '3.2.1', revision: 42, schema: { type: 'object' },
    capabilityContractId: 'wasmcloud:test', world: path.join(dir, 'world.wasm'),
    binaries: [{ target: 'x86_64-linux', path: path.join(dir, 'linux') }],
    issuer, subject, destination: path.join(dir, 'p.par'), compress, now: new Date(1_600_000_000_000),
  });
  return created.destination;
}

describe('insertTarget', () => {
  test('create → read → insert a new target → verify keeps sub, metadata, world and gzip', async () => {
    const archive = await makeArchive(true);
    const before = await readArchive(archive);
    const mac = await writeRandomFile(path.join(dir, 'mac'), 1500);
    const result = await insertTarget({ archive, target: 'aarch64-macos', binary: path.join(dir, 'mac'), issuer, subject });
    expect(result).toMatchObject({ destination: archive, compressed: true, replaced: false });

    const after = await readArchive(archive);
    expect(after.compressed).toBe(true);
    expect(after.claims.sub).toBe(WASH_SERVICE);
    expect(after.claims.jti).not.toBe(before.claims.jti);
    expect(after.claims.iat).toBeGreaterThan(before.claims.iat);
    expect(describeArchive(after)).toEqual({ ...describeArchive(before), targets: ['aarch64-macos', 'x86_64-linux'] });
    expect(after.world).toEqual(before.world);
    expect(after.claims.wascap.target_hashes['x86_64-linux']).toBe(before.claims.wascap.target_hashes['x86_64-linux']);
    expect(verifyArchive(after, { strict: true })).toEqual({ valid: true, problems: [] });
    const { entries } = splitTar(maybeGunzip(await readFile(archive)));
    expect(entries.map((e) => e.name)).toEqual(['claims.jwt', 'world.wasm', 'x86_64-linux.bin', 'aarch64-macos.bin']);
    expect(entries[3]!.data.equals(mac)).toBe(true);
    expect((await readdir(dir)).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  test('replaces an existing target in place, uncompressed stays uncompressed', async () => {
    const archive = await makeArchive(false);
    const replacement = await writeRandomFile(path.join(dir, 'linux2'), 4096);
    const output = path.join(dir, 'out.par');
    const result = await insertTarget({ archive, target: 'x86_64-linux', binary: path.join(dir, 'linux2'), issuer, subject, destination: output });
    expect(result).toMatchObject({ destination: output, compressed: false, replaced: true });
    const { entries } = splitTar(await readFile(output));
    expect(entries.map((e) => e.name)).toEqual(['claims.jwt', 'world.wasm', 'x86_64-linux.bin']);
    expect(entries[2]!.data.equals(replacement)).toBe(true);
    expect(verifyArchive(await readArchive(output), { strict: true }).valid).toBe(true);
  });

  test('refuses a different subject, leaving the archive untouched', async () => {
    const archive = await makeArchive(true);
    const original = await readFile(archive);
    await writeRandomFile(path.join(dir, 'mac'), 10);
    await expect(insertTarget({ archive, target: 'aarch64-macos', binary: path.join(dir, 'mac'), issuer, subject: createKeyPair('service') })).rejects.toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining(`is not the subject of "${archive}" (${WASH_SERVICE})`),
    });
    expect((await readFile(archive)).equals(original)).toBe(true);
  });

  test('refuses to re-sign a real wash archive without its own subject key', async () => {
    const copy = path.join(dir, 'fakepay.par.gz');
    await copyFile(fakepayPath, copy);
    await writeRandomFile(path.join(dir, 'arm'), 10);
    // We do not hold fakepay's service seed, so this must be refused.
    await expect(insertTarget({ archive: copy, target: 'aarch64-linux', binary: path.join(dir, 'arm'), issuer, subject })).rejects.toMatchObject({ kind: 'invalid' });
  });

  test('refuses reserved targets and a missing binary', async () => {
    const archive = await makeArchive(false);
    await expect(insertTarget({ archive, target: 'claims', binary: path.join(dir, 'linux'), issuer, subject })).rejects.toMatchObject({ kind: 'invalid' });
    await expect(insertTarget({ archive, target: 'x', binary: path.join(dir, 'nope'), issuer, subject })).rejects.toMatchObject({ kind: 'not_found' });
    await expect(insertTarget({ archive: path.join(dir, 'missing.par'), target: 'x', binary: path.join(dir, 'linux'), issuer, subject })).rejects.toMatchObject({ kind: 'not_found' });
  });
});
