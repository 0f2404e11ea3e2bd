// `par push` / `pull` / `inspect REF` / `verify REF` / `resolve` / `tags` against the real test registries.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { registries, stateDir, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { fixture, isOneLineError, tempDir } from '../support/par.js';
import {
  cliRegistries,
  countRequests,
  freshArchive,
  parNoSecrets as par,
  sha256Hex,
  uploadRequests,
  waitForLog,
  washManifest,
} from '../support/registry-cli.js';

useRegistries(['plain', 'basic', 'token']);

const goldens = [
  { label: 'fakepay', file: fixture('wash/fakepay.par.gz') },
  { label: 'libwascc_redis', file: fixture('wash/libwascc_redis.par.gz') },
];

interface PushResult {
  reference: string;
  digest: string;
  size: number;
  mediaType: string;
  uploadedBytes: number;
  skipped: number;
  mounted: number;
}

/** Pushes a golden archive, pulls it back and checks both against the hand-built wash manifest. */
async function pushAndPull(host: string, repository: string, flags: string[], { label, file }: (typeof goldens)[number]): Promise<void> {
  const bytes = readFileSync(file);
  const manifest = washManifest(bytes);
  const expectedDigest = `sha256:${sha256Hex(manifest)}`;
  const reference = `${host}/${repository}:${label}-1`;

  const pushed = await par(['push', reference, file, ...flags, '-o', 'json']);
  expect(pushed.stderr).toBe('');
  expect(pushed.status).toBe(0);
  const result = JSON.parse(pushed.stdout) as PushResult;
  expect(result.digest).toBe(expectedDigest);
  expect(result.size).toBe(Buffer.byteLength(manifest));
  expect(result.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');

  const dir = tempDir();
  const destination = join(dir, `${label}.par.gz`);
  const pulled = await par(['pull', reference, '--destination', destination, ...flags, '-o', 'json']);
  expect(pulled.stderr).toBe('');
  expect(pulled.status).toBe(0);
  expect(JSON.parse(pulled.stdout)).toMatchObject({ file: destination, digest: expectedDigest, size: bytes.length });
  expect(readFileSync(destination).equals(bytes)).toBe(true);
  expect(readdirSync(dir)).toEqual([`${label}.par.gz`]);

  // Pinned to the manifest digest: pull by digest with --digest agrees.
  const byDigest = join(dir, 'by-digest.par.gz');
  const pinned = await par(['pull', `${host}/${repository}@${expectedDigest}`, '--digest', expectedDigest, '--destination', byDigest, ...flags]);
  expect(pinned.stderr).toBe('');
  expect(pinned.status).toBe(0);
  expect(readFileSync(byDigest).equals(bytes)).toBe(true);
}

// The three registries run side by side; within one, both archives are pushed first, then read back by reference.
describe.concurrent('the golden archives through each registry', () => {
  test.each(cliRegistries)('$name: push, pull byte-identical, inspect, verify, resolve, tags', async ({ host, flags }) => {
    const repository = uniqueRepository('par-cli/golden');
    await Promise.all(goldens.map((golden) => pushAndPull(host, repository, flags, golden)));

    const fakepay = `${host}/${repository}:fakepay-1`;
    const expectedDigest = `sha256:${sha256Hex(washManifest(readFileSync(goldens[0]!.file)))}`;
    const inspected = await par(['inspect', fakepay, ...flags, '-o', 'json']);
    expect(inspected.stderr).toBe('');
    expect(inspected.status).toBe(0);
    expect(JSON.parse(inspected.stdout)).toMatchObject({
      name: 'Fake Payments',
      service: 'VAN5FE2JCYMZFHZZWS2KNKVEIIU5SH5E5SD3IIF6BWA25XKFKCHXEMDU',
      capability_contract_id: 'examples:payments',
      digest: expectedDigest,
    });

    const verified = await par(['verify', '--strict', `${host}/${repository}:libwascc_redis-1`, ...flags]);
    expect(verified.stderr).toBe('');
    expect(verified.status).toBe(0);
    expect(verified.stdout).toContain('valid (strict)');

    const resolved = await par(['resolve', fakepay, ...flags]);
    expect(resolved.status).toBe(0);
    expect(resolved.stdout.trim()).toBe(expectedDigest);

    // Registries list tags in no promised order.
    const tags = await par(['tags', `${host}/${repository}`, ...flags, '-o', 'json']);
    expect(tags.status).toBe(0);
    const listed = JSON.parse(tags.stdout) as { repository: string; tags: string[] };
    expect(listed.repository).toBe(`${host}/${repository}`);
    expect([...listed.tags].sort()).toEqual(['fakepay-1', 'libwascc_redis-1']);
    const text = await par(['tags', `${host}/${repository}`, ...flags]);
    expect(text.stdout.trim().split('\n').sort()).toEqual(['fakepay-1', 'libwascc_redis-1']);
  });
});

describe.concurrent('a second push of the same archive uploads no blob (plain registry)', () => {
  test('the access log and uploadedBytes both show it', async () => {
    const repository = uniqueRepository('par-cli/twice');
    const reference = `${registries.plain.host}/${repository}:1`;
    const file = fixture('wash/fakepay.par.gz');
    const manifestPut = () => countRequests('plain', repository, 'PUT', /\/manifests\/1$/);

    const first = await par(['push', reference, file, '-o', 'json']);
    expect(first.status, first.stderr).toBe(0);
    const firstResult = JSON.parse(first.stdout) as PushResult;
    expect(firstResult.uploadedBytes).toBeGreaterThanOrEqual(readFileSync(file).length + 2);
    await waitForLog(() => manifestPut() === 1, 'the first tag PUT');
    const uploadsAfterFirst = uploadRequests('plain', repository);
    // Layer and config: one POST and one PUT each (a loopback registry gets monolithic uploads by default).
    expect(countRequests('plain', repository, 'POST', /\/blobs\/uploads\/$/)).toBe(2);
    expect(countRequests('plain', repository, 'PUT', /\/blobs\/uploads\//)).toBe(2);

    const second = await par(['push', reference, file, '-o', 'json']);
    expect(second.status, second.stderr).toBe(0);
    const secondResult = JSON.parse(second.stdout) as PushResult;
    expect(secondResult.uploadedBytes).toBe(0);
    expect(secondResult.digest).toBe(firstResult.digest);
    await waitForLog(() => manifestPut() === 2, 'the second tag PUT');
    expect(uploadRequests('plain', repository)).toBe(uploadsAfterFirst);
  });
});

describe.concurrent('upload strategies show in the registry log', () => {
  test('--chunk-size 65536 sends PATCHes; --monolithic sends none', async () => {
    const dir = tempDir();
    const { file, bytes } = await freshArchive(dir, 1024 * 1024, 'mib');
    expect(bytes.length).toBeGreaterThan(1024 * 1024);

    const chunkedRepository = uniqueRepository('par-cli/chunked');
    const chunked = await par(['push', `${registries.plain.host}/${chunkedRepository}:1`, file, '--chunk-size', '65536', '-o', 'json']);
    expect(chunked.status, chunked.stderr).toBe(0);
    await waitForLog(() => countRequests('plain', chunkedRepository, 'PUT', /\/manifests\/1$/) === 1, 'the tag PUT');
    // Every 64 KiB of the layer is one PATCH (the 2-byte config adds at most one more).
    expect(countRequests('plain', chunkedRepository, 'PATCH')).toBeGreaterThanOrEqual(Math.ceil(bytes.length / 65536));

    const monolithicRepository = uniqueRepository('par-cli/monolithic');
    const monolithic = await par(['push', `${registries.plain.host}/${monolithicRepository}:1`, file, '--monolithic', '-o', 'json']);
    expect(monolithic.status, monolithic.stderr).toBe(0);
    await waitForLog(() => countRequests('plain', monolithicRepository, 'PUT', /\/manifests\/1$/) === 1, 'the tag PUT');
    expect(countRequests('plain', monolithicRepository, 'PATCH')).toBe(0);
    expect(countRequests('plain', monolithicRepository, 'PUT', /\/blobs\/uploads\//)).toBe(2);

    for (const repository of [chunkedRepository, monolithicRepository]) {
      const destination = join(dir, `${repository.split('/').pop()}.par.gz`);
      const pulled = await par(['pull', `${registries.plain.host}/${repository}:1`, '--destination', destination]);
      expect(pulled.status, pulled.stderr).toBe(0);
      expect(readFileSync(destination).equals(bytes)).toBe(true);
    }
  });
});

describe.concurrent('pull refuses what does not verify and writes nothing', () => {
  test('a blob corrupted in the registry storage: exit 4, no file, no .partial', async () => {
    const dir = tempDir();
    const { file, bytes } = await freshArchive(dir, 256 * 1024, 'corrupt-me');
    const repository = uniqueRepository('par-cli/corrupt');
    const reference = `${registries.plain.host}/${repository}:1`;
    const pushed = await par(['push', reference, file]);
    expect(pushed.status, pushed.stderr).toBe(0);

    const hex = sha256Hex(bytes);
    const blob = join(stateDir, 'plain', 'data', 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
    const stored = readFileSync(blob);
    expect(stored.equals(bytes)).toBe(true);
    stored[Math.floor(stored.length / 2)] = stored[Math.floor(stored.length / 2)]! ^ 0x01;
    writeFileSync(blob, stored);
    expect(createHash('sha256').update(stored).digest('hex')).not.toBe(hex);

    const out = tempDir();
    const pulled = await par(['pull', reference, '--destination', join(out, 'x.par.gz')]);
    expect(pulled.status, pulled.stderr).toBe(4);
    expect(isOneLineError(pulled), pulled.stderr).toBe(true);
    expect(pulled.stderr).toMatch(/digest/);
    expect(pulled.stderr).toContain(hex);
    expect(readdirSync(out)).toEqual([]);

    // The same with verification of the archive off: the digest check is not optional.
    const unverified = await par(['pull', reference, '--no-verify', '--destination', join(out, 'x.par.gz')]);
    expect(unverified.status, unverified.stderr).toBe(4);
    expect(readdirSync(out)).toEqual([]);
  });

  test('a wrong --digest fails before any blob is read (exit 4, no file)', async () => {
    const repository = uniqueRepository('par-cli/pinned');
    const reference = `${registries.plain.host}/${repository}:1`;
    const file = fixture('wash/fakepay.par.gz');
    expect((await par(['push', reference, file])).status).toBe(0);
    const out = tempDir();
    const destination = join(out, 'x.par.gz');
    const zeros = `sha256:${'0'.repeat(64)}`;
    const pulled = await par(['pull', reference, '--digest', zeros, '--destination', destination]);
    expect(pulled.status, pulled.stderr).toBe(4);
    expect(isOneLineError(pulled), pulled.stderr).toBe(true);
    expect(pulled.stderr).toContain(zeros);
    expect(existsSync(destination)).toBe(false);
    expect(readdirSync(out)).toEqual([]);
    await waitForLog(() => countRequests('plain', repository, 'GET', /\/manifests\/1$/) === 1, 'the manifest GET');
    expect(countRequests('plain', repository, 'GET', /\/blobs\//)).toBe(0);
  });
});
