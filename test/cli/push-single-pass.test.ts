// `par push` reads the archive once: verification rides on the upload (the manifest is pushed only
// when it verified) and a digest cache lets an unchanged file skip hashing and verification.
// Against the real plain registry; every test uses its own cache directory and HOME.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { isOneLineError, par, tempDir, WASH_TEST_KEYS, type ParRun } from '../support/par.js';
import { countRequests, sha256Hex, waitForLog, washManifest } from '../support/registry-cli.js';

useRegistries(['plain']);

const plain = registries.plain.host;
/** Big enough that the upload takes several 1 MiB reads. */
const BINARY_SIZE = 3 * 1024 * 1024;
/** Over push's single-pass threshold (64 MiB): uploaded while it is hashed and verified. */
const LARGE_BINARY_SIZE = 65 * 1024 * 1024;

interface CacheEntry {
  digest: string;
  size: number;
  verified: boolean;
}

/** A HOME and a digest cache directory shared by the runs of one test. */
function session() {
  const home = tempDir('par-home-');
  const cacheDir = join(tempDir('par-cache-'), 'par');
  const cacheFile = join(cacheDir, 'file-digests.json');
  const run = (args: string[]) => par(args, { home, env: { PAR_CACHE_DIR: cacheDir } });
  const cache = (): Record<string, CacheEntry> => {
    try {
      return JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, CacheEntry>;
    } catch {
      return {};
    }
  };
  return { run, cache, cacheFile };
}

function expectStatus(run: ParRun, status: number): void {
  expect(run.status, `exit ${run.status}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe(status);
}

/** An uncompressed archive made by `par create` around a random binary; returns both. */
async function createArchive(dir: string, name: string, size = BINARY_SIZE): Promise<{ file: string; binary: Buffer }> {
  const binary = randomBytes(size);
  const binaryFile = join(dir, `${name}.bin`);
  writeFileSync(binaryFile, binary);
  const file = join(dir, `${name}.par`);
  const created = await par([
    'create', '-n', 'SinglePass', '-v', 'Acme', '-a', 'x86_64-linux', '-b', binaryFile,
    '-i', WASH_TEST_KEYS.issuerSeed, '-s', WASH_TEST_KEYS.subjectSeed, '--destination', file,
  ]);
  expectStatus(created, 0);
  return { file, binary };
}

/** Flips one byte inside the stored binary: the claims keep the old hash, so it no longer verifies. */
function tamper(file: string, binary: Buffer): void {
  const bytes = readFileSync(file);
  const at = bytes.indexOf(binary.subarray(0, 64));
  expect(at).toBeGreaterThan(0);
  const inside = at + Math.floor(binary.length / 2);
  bytes[inside] = bytes[inside]! ^ 0xff;
  writeFileSync(file, bytes);
}

interface PushOutput {
  digest: string;
  uploadedBytes: number;
  layer: { digest: string; size: number };
}

async function resolveTag(reference: string): Promise<ParRun> {
  return par(['resolve', reference]);
}

/** Manifest PUTs the registry logged for a repository, once the log shows the given resolve. */
async function manifestPuts(repository: string, afterResolveOf: string): Promise<number> {
  await waitForLog(() => countRequests('plain', repository, 'HEAD', new RegExp(`/manifests/${afterResolveOf}$`)) > 0, `the HEAD of ${afterResolveOf}`);
  return countRequests('plain', repository, 'PUT', /\/manifests\//);
}

describe('par push: verification rides on the upload', () => {
  test.each([
    { upload: 'one PUT', flags: [] as string[], size: BINARY_SIZE },
    { upload: 'chunks', flags: ['--chunk-size', String(1024 * 1024)], size: BINARY_SIZE },
    { upload: 'single pass, one PATCH', flags: [] as string[], size: LARGE_BINARY_SIZE },
    { upload: 'single pass, chunks', flags: ['--chunk-size', String(8 * 1024 * 1024)], size: LARGE_BINARY_SIZE },
  ])('a tampered archive is refused (4) in one line ($upload); its layer may be uploaded but no manifest and no tag', { timeout: 60_000 }, async ({ flags, size }) => {
    const dir = tempDir();
    const { file, binary } = await createArchive(dir, 'tampered', size);
    tamper(file, binary);
    const repository = uniqueRepository('par-cli/single-pass-tampered');
    const { run, cache } = session();

    const refused = await run(['push', `${plain}/${repository}:v1`, file, '--no-progress', ...flags]);
    expectStatus(refused, 4);
    expect(isOneLineError(refused), refused.stderr).toBe(true);
    expect(refused.stderr).toMatch(/tampered\.par/);
    expect(refused.stderr).toMatch(/--no-verify/);
    expect(refused.stderr).not.toMatch(/cannot reach registry/);

    expectStatus(await resolveTag(`${plain}/${repository}:v1`), 2);
    expect(await manifestPuts(repository, 'v1')).toBe(0);
    // Nothing learned about a file that failed: the next push verifies again.
    expect(Object.keys(cache())).toEqual([]);
  });

  test.each([
    { upload: 'one PUT', flags: [] as string[], size: 4 * 1024 * 1024 },
    { upload: 'chunks', flags: ['--chunk-size', String(1024 * 1024)], size: 4 * 1024 * 1024 },
    { upload: 'single pass', flags: [] as string[], size: LARGE_BINARY_SIZE },
  ])('a file that is not an archive at all fails fast part-way through the upload ($upload), with no manifest', { timeout: 60_000 }, async ({ flags, size }) => {
    const dir = tempDir();
    const file = join(dir, 'junk.par');
    writeFileSync(file, randomBytes(size));
    const repository = uniqueRepository('par-cli/single-pass-junk');
    const { run } = session();

    const refused = await run(['push', `${plain}/${repository}:v1`, file, '--no-progress', ...flags]);
    expect(refused.status).not.toBe(0);
    expect(isOneLineError(refused), refused.stderr).toBe(true);
    expect(refused.stderr).toMatch(/not a provider archive/);
    expect(refused.stderr).not.toMatch(/cannot reach registry/);
    expectStatus(await resolveTag(`${plain}/${repository}:v1`), 2);
    expect(await manifestPuts(repository, 'v1')).toBe(0);
  });
});

describe('par push: a large file new to this machine is read once', () => {
  test('it is uploaded while hashed (POST, PATCH, PUT ?digest=), pulls back byte-identical, and the digest is remembered', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const { file } = await createArchive(dir, 'large', LARGE_BINARY_SIZE);
    const repository = uniqueRepository('par-cli/single-pass-large');
    const reference = `${plain}/${repository}:v1`;
    const { run, cache } = session();
    const pushed = await run(['push', reference, file, '-o', 'json', '--no-progress']);
    expectStatus(pushed, 0);
    const output = JSON.parse(pushed.stdout) as PushOutput;
    expect(output.layer.digest).toBe(`sha256:${sha256Hex(readFileSync(file))}`);
    expect(output.digest).toBe(`sha256:${sha256Hex(washManifest(readFileSync(file)))}`);
    expect(output.uploadedBytes).toBeGreaterThanOrEqual(statSync(file).size);
    await waitForLog(() => countRequests('plain', repository, 'PUT', /\/manifests\/v1$/) === 1, 'the tag PUT');
    expect(countRequests('plain', repository, 'PATCH', /\/blobs\/uploads\//)).toBe(1);
    expect(Object.values(cache()).map((entry) => entry.digest)).toEqual([output.layer.digest]);
    const pulled = join(dir, 'pulled.par');
    expectStatus(await run(['pull', reference, '--destination', pulled]), 0);
    expect(readFileSync(pulled).equals(readFileSync(file))).toBe(true);
  });
});

describe('par push: the digest cache', () => {
  test('an unchanged file is remembered (verified) and re-pushed without uploading; a rewrite with the same size and mtime misses', async () => {
    const dir = tempDir();
    const { file } = await createArchive(dir, 'cached');
    const repository = uniqueRepository('par-cli/single-pass-cache');
    const reference = `${plain}/${repository}:v1`;
    const { run, cache } = session();
    const bytes = readFileSync(file);
    // A whole-second mtime, so that it can be put back exactly after the rewrite below.
    const mtime = Math.floor(Date.now() / 1000) - 3600;
    utimesSync(file, mtime, mtime);

    const first = await run(['push', reference, file, '-o', 'json', '--no-progress']);
    expectStatus(first, 0);
    const pushed = JSON.parse(first.stdout) as PushOutput;
    expect(pushed.digest).toBe(`sha256:${sha256Hex(washManifest(bytes))}`);
    expect(pushed.uploadedBytes).toBeGreaterThanOrEqual(bytes.length);
    expect(cache()[file]).toEqual(expect.objectContaining({ digest: `sha256:${sha256Hex(bytes)}`, size: bytes.length, verified: true }));

    const again = await run(['push', reference, file, '-o', 'json', '--no-progress']);
    expectStatus(again, 0);
    const repushed = JSON.parse(again.stdout) as PushOutput;
    expect(repushed.uploadedBytes).toBe(0);
    expect(repushed.digest).toBe(pushed.digest);

    // Another valid archive of the same size written over it in place, its mtime put back: the
    // ctime still moves, so the cache must miss and the new content must be what is pushed.
    const before = statSync(file);
    const { file: otherFile } = await createArchive(dir, 'other');
    const other = readFileSync(otherFile);
    expect(other.length).toBe(bytes.length);
    expect(other.equals(bytes)).toBe(false);
    writeFileSync(file, other);
    utimesSync(file, mtime, mtime);
    const after = statSync(file);
    expect([after.size, after.mtimeMs, after.ino]).toEqual([before.size, before.mtimeMs, before.ino]);

    const changed = await run(['push', reference, file, '-o', 'json', '--no-progress']);
    expectStatus(changed, 0);
    const changedResult = JSON.parse(changed.stdout) as PushOutput;
    const newDigest = `sha256:${sha256Hex(washManifest(other))}`;
    expect(changedResult.digest).toBe(newDigest);
    expect(changedResult.layer.digest).toBe(`sha256:${sha256Hex(other)}`);
    const resolved = await resolveTag(reference);
    expectStatus(resolved, 0);
    expect(resolved.stdout.trim()).toBe(newDigest);
    expect(resolved.stdout.trim()).not.toBe(pushed.digest);
    expect(cache()[file]).toEqual(expect.objectContaining({ digest: `sha256:${sha256Hex(other)}`, verified: true }));
  });

  test('a cache hit is trusted: the file is neither hashed nor verified again', async () => {
    // Evidence without timing: point the cached entry at another archive's layer (same size, already
    // in the repository). A push that hashed the file would publish this file's layer; a hit publishes that one.
    const dir = tempDir();
    const { file } = await createArchive(dir, 'first');
    const { file: secondFile } = await createArchive(dir, 'second');
    const bytes = readFileSync(file);
    const second = readFileSync(secondFile);
    expect(second.length).toBe(bytes.length);
    const repository = uniqueRepository('par-cli/single-pass-trust');
    const { run, cache, cacheFile } = session();
    expectStatus(await run(['push', `${plain}/${repository}:first`, file, '--no-progress']), 0);
    expectStatus(await run(['push', `${plain}/${repository}:second`, secondFile, '--no-progress']), 0);

    const entries = cache();
    entries[file] = { ...entries[file]!, digest: `sha256:${sha256Hex(second)}` };
    writeFileSync(cacheFile, JSON.stringify(entries));

    const hit = await run(['push', `${plain}/${repository}:hit`, file, '-o', 'json', '--no-progress']);
    expectStatus(hit, 0);
    const result = JSON.parse(hit.stdout) as PushOutput;
    expect(result.uploadedBytes).toBe(0);
    expect(result.layer.digest).toBe(`sha256:${sha256Hex(second)}`);
    expect(result.digest).toBe(`sha256:${sha256Hex(washManifest(second))}`);
  });

  test('the cache lives in ~/.cache/par by default (mode 0600); PAR_CACHE_DIR=off writes none', async () => {
    const dir = tempDir();
    const { file } = await createArchive(dir, 'default-place');
    const repository = uniqueRepository('par-cli/single-pass-home');
    const home = tempDir('par-home-');
    expectStatus(await par(['push', `${plain}/${repository}:v1`, file, '--no-progress'], { home }), 0);
    const cacheFile = join(home, '.cache', 'par', 'file-digests.json');
    const entries = JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, CacheEntry>;
    expect(entries[file]).toEqual(expect.objectContaining({ digest: `sha256:${sha256Hex(readFileSync(file))}`, verified: true }));
    expect(statSync(cacheFile).mode & 0o777).toBe(0o600);

    const otherHome = tempDir('par-home-');
    expectStatus(await par(['push', `${plain}/${repository}:v2`, file, '--no-progress'], { home: otherHome, env: { PAR_CACHE_DIR: 'off' } }), 0);
    expect(existsSync(join(otherHome, '.cache'))).toBe(false);
  });

  test('--no-verify pushes are remembered as unverified: a later verified push of the same file still verifies (4)', async () => {
    const dir = tempDir();
    const { file, binary } = await createArchive(dir, 'unverified');
    tamper(file, binary);
    const bytes = readFileSync(file);
    const repository = uniqueRepository('par-cli/single-pass-noverify');
    const { run, cache } = session();

    const forced = await run(['push', `${plain}/${repository}:forced`, file, '--no-verify', '--no-progress']);
    expectStatus(forced, 0);
    expect(cache()[file]).toEqual(expect.objectContaining({ digest: `sha256:${sha256Hex(bytes)}`, size: bytes.length, verified: false }));

    // The registry already has the layer and the manifest: only the file can give the verdict.
    const checked = await run(['push', `${plain}/${repository}:checked`, file, '--no-progress']);
    expectStatus(checked, 4);
    expect(isOneLineError(checked), checked.stderr).toBe(true);
    expect(checked.stderr).toMatch(/--no-verify/);
    expectStatus(await resolveTag(`${plain}/${repository}:checked`), 2);
    expect(cache()[file]?.verified).toBe(false);
  });
});

