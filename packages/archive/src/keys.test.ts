import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  defaultAccountKeyName,
  defaultKeyDirectory,
  findKeyByPublicKey,
  keyDirectoriesToSearch,
  listKeys,
  resolveKey,
} from './keys.js';
import { WASH_ACCOUNT, WASH_ACCOUNT_SEED, WASH_SERVICE, WASH_SERVICE_SEED, scratchDir } from './test-support.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await scratchDir()));
afterEach(() => cleanup());

describe('key directories', () => {
  test('follow wash environment variables and defaults', () => {
    expect(defaultKeyDirectory({ WASH_KEYS: '/k' })).toBe('/k');
    expect(defaultKeyDirectory({ HOME: '/h' }).endsWith(path.join('.wash', 'keys'))).toBe(true);
    expect(keyDirectoriesToSearch({ WASH_KEYS: '/k', WASH_KEYS_DIR: '/n' })).toEqual(['/k', '/n']);
    expect(keyDirectoriesToSearch({ WASH_KEYS: '/k' })[1]?.endsWith(path.join('.local', 'share', 'wash', 'keys'))).toBe(true);
    expect(defaultAccountKeyName({ USER: 'alice' })).toBe('alice');
    expect(defaultAccountKeyName({})).toBe('user');
  });
});

describe('resolveKey', () => {
  const env = () => ({ WASH_KEYS: path.join(dir, 'old'), WASH_KEYS_DIR: path.join(dir, 'new') });

  test('a value is tried as a file first, then as a seed', async () => {
    const file = path.join(dir, 'issuer.nk');
    await writeFile(file, `${WASH_ACCOUNT_SEED}\n`);
    const fromFile = await resolveKey({ value: file, name: 'x', type: 'account', env: env() });
    expect(fromFile).toMatchObject({ path: file, generated: false });
    expect(fromFile.keyPair.getPublicKey()).toBe(WASH_ACCOUNT);
    const fromSeed = await resolveKey({ value: WASH_SERVICE_SEED, name: 'x', type: 'service', env: env() });
    expect(fromSeed.keyPair.getPublicKey()).toBe(WASH_SERVICE);
    expect(fromSeed.path).toBeUndefined();
  });

  test('a value that is neither is refused without echoing it', async () => {
    const secret = 'SAACTTUPKR55VUWUDK7GJ5SU5KGED455FR7BDO46RUVOTHUWKBLECLH2UX';
    const error = await resolveKey({ value: secret, name: 'x', type: 'account', env: env() }).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ kind: 'invalid' });
    expect((error as Error).message).toMatch(/neither an existing file nor a valid nkey seed/);
    expect((error as Error).message).not.toContain(secret);
  });

  test('a seed of the wrong type is refused', async () => {
    await expect(resolveKey({ value: WASH_SERVICE_SEED, name: 'x', type: 'account', env: env() })).rejects.toThrow(/not an account key/);
  });

  test('generates <name>_<type>.nk (0600 in a 0700 directory) and reuses it', async () => {
    const keys = path.join(dir, 'fresh', 'keys');
    const first = await resolveKey({ directory: keys, name: 'fakepay', type: 'service', env: env() });
    expect(first.generated).toBe(true);
    expect(first.path).toBe(path.join(keys, 'fakepay_service.nk'));
    expect((await stat(first.path as string)).mode & 0o777).toBe(0o600);
    expect((await stat(keys)).mode & 0o777).toBe(0o700);
    const seed = await readFile(first.path as string, 'utf8');
    expect(seed).toMatch(/^SV[A-Z2-7]{56}$/);
    const second = await resolveKey({ directory: keys, name: 'fakepay', type: 'service', env: env() });
    expect(second.generated).toBe(false);
    expect(second.keyPair.getPublicKey()).toBe(first.keyPair.getPublicKey());
  });

  test('without a directory, reads from the other default directory too', async () => {
    await mkdir(path.join(dir, 'new'), { recursive: true });
    await writeFile(path.join(dir, 'new', 'alice_account.nk'), WASH_ACCOUNT_SEED);
    const found = await resolveKey({ name: 'alice', type: 'account', env: env() });
    expect(found).toMatchObject({ generated: false, path: path.join(dir, 'new', 'alice_account.nk') });
  });

  test('a directory given is the only one searched: no key there and keygen disabled is not found, though a default directory has one', async () => {
    await mkdir(path.join(dir, 'new'), { recursive: true });
    await writeFile(path.join(dir, 'new', 'alice_account.nk'), WASH_ACCOUNT_SEED);
    const release = path.join(dir, 'release-keys');
    const error = resolveKey({ directory: release, name: 'alice', type: 'account', disableKeygen: true, env: env() });
    await expect(error).rejects.toMatchObject({ kind: 'not_found', message: expect.stringContaining(path.join(release, 'alice_account.nk')) });
  });

  test('with keygen disabled a missing key is an error naming the path', async () => {
    const error = resolveKey({ directory: path.join(dir, 'none'), name: 'alice', type: 'account', disableKeygen: true, env: env() });
    await expect(error).rejects.toMatchObject({ kind: 'not_found', message: expect.stringContaining(path.join(dir, 'none', 'alice_account.nk')) });
  });
});

describe('listKeys and findKeyByPublicKey', () => {
  test('list public keys, never seeds, and find a key by its public key', async () => {
    await writeFile(path.join(dir, 'alice_account.nk'), WASH_ACCOUNT_SEED);
    await writeFile(path.join(dir, 'fakepay_service.nk'), WASH_SERVICE_SEED);
    await writeFile(path.join(dir, 'junk_service.nk'), 'nope');
    await writeFile(path.join(dir, 'notes.txt'), 'x');
    const keys = await listKeys(dir);
    expect(keys).toEqual([
      { name: 'alice', type: 'account', publicKey: WASH_ACCOUNT, path: path.join(dir, 'alice_account.nk') },
      { name: 'fakepay', type: 'service', publicKey: WASH_SERVICE, path: path.join(dir, 'fakepay_service.nk') },
    ]);
    expect(JSON.stringify(keys)).not.toContain('SA');
    const found = await findKeyByPublicKey(WASH_SERVICE, [path.join(dir, 'missing'), dir]);
    expect(found?.keyPair.getPublicKey()).toBe(WASH_SERVICE);
    expect(await findKeyByPublicKey(WASH_SERVICE.replace('VBM', 'VBN'), [dir])).toBeUndefined();
  });
});
