// `par copy` end to end against the real loopback registries (issue 4): across registries, within one
// (mounted, proven from the registry's access log), an index with two children, OCI layouts with skopeo
// on either side, and different credentials for source and destination.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { isOneLineError, par, tempDir } from '../support/par.js';
import {
  accessLines,
  blobExists,
  expectStatus,
  getManifest,
  makePar,
  pushPar,
  putManifest,
  settle,
  sha256,
  tagsOf,
  waitForLog,
  writes,
} from './promotion-support.js';

useRegistries();

const run = promisify(execFile);
const plain = registries.plain.host;
const plain2 = registries.plain2.host;

interface CopyReport {
  source: string;
  destination: string;
  sourceDigest: string;
  destinationDigest: string;
  tags: string[];
  bytes: number;
  copied: number;
  mounted: number;
  skipped: number;
}

async function copyJson(args: string[], options: Parameters<typeof par>[1] = {}): Promise<CopyReport> {
  const result = await par(['copy', ...args, '--output', 'json'], options);
  expectStatus(result, 0);
  return JSON.parse(result.stdout) as CopyReport;
}

let dir: string;
let parFile: string;
let parBytes: Buffer;

beforeAll(async () => {
  dir = tempDir('par-copy-');
  parFile = await makePar(dir, 'copied', { size: 300 * 1024 });
  parBytes = readFileSync(parFile);
});

describe('par copy between registries', () => {
  test('copies across two registries byte for byte, and pulls back the same file', async () => {
    const repository = uniqueRepository('copy/across');
    const digest = await pushPar(`${plain}/${repository}:v1`, parFile);

    const text = await par(['copy', `${plain}/${repository}:v1`, `${plain2}/${repository}:v1`, '--tag', 'stable']);
    expectStatus(text, 0);
    expect(text.stdout).toContain(`source digest:      ${digest}`);
    expect(text.stdout).toContain(`destination digest: ${digest}`);

    const source = await getManifest('plain', repository, 'v1');
    for (const tag of ['v1', 'stable']) {
      const copied = await getManifest('plain2', repository, tag);
      expect(copied.digest).toBe(digest);
      expect(copied.bytes.equals(source.bytes)).toBe(true);
    }
    expect(sha256(source.bytes)).toBe(digest);

    const out = join(dir, 'across-pulled.par');
    expectStatus(await par(['pull', `${plain2}/${repository}:v1`, '--destination', out]), 0);
    expect(readFileSync(out).equals(parBytes)).toBe(true);

    // Again: the destination has the manifest, so nothing is sent and nothing is written but the tags.
    const before = accessLines('plain2', repository).length;
    const again = await copyJson([`${plain}/${repository}:v1`, `${plain2}/${repository}:v1`]);
    expect(again).toMatchObject({ sourceDigest: digest, destinationDigest: digest, copied: 0, mounted: 0, skipped: 1, bytes: 0 });
    await settle();
    const newWrites = writes(accessLines('plain2', repository).slice(before));
    expect(newWrites).toHaveLength(1);
    expect(newWrites[0]).toContain(`"PUT /v2/${repository}/manifests/v1 `);
  });

  test('a destination without a tag takes the source tag', async () => {
    const repository = uniqueRepository('copy/inherit');
    const digest = await pushPar(`${plain}/${repository}:v7`, parFile);
    const report = await copyJson([`${plain}/${repository}:v7`, `${plain2}/${repository}`]);
    expect(report.destination).toBe(`${plain2}/${repository}:v7`);
    expect(await tagsOf('plain2', repository)).toEqual(['v7']);
    expect((await getManifest('plain2', repository, 'v7')).digest).toBe(digest);
  });

  test('within one registry the blobs are mounted, not uploaded (registry access log)', async () => {
    const from = uniqueRepository('copy/mount-src');
    const to = uniqueRepository('copy/mount-dst');
    const digest = await pushPar(`${plain}/${from}:v1`, parFile);
    const manifest = JSON.parse((await getManifest('plain', from, 'v1')).bytes.toString('utf8')) as {
      config: { digest: string };
      layers: { digest: string }[];
    };
    const blobs = [manifest.config.digest, manifest.layers[0]!.digest];
    const sourceReadsBefore = accessLines('plain', `${from}/blobs/`).length;

    const report = await copyJson([`${plain}/${from}:v1`, `${plain}/${to}:v1`]);
    expect(report).toMatchObject({ sourceDigest: digest, destinationDigest: digest, mounted: 2, copied: 1 });
    // Only the manifest's bytes were sent.
    expect(report.bytes).toBe((await getManifest('plain', from, 'v1')).bytes.length);

    const lines = await waitForLog('plain', to, (l) => l.some((line) => line.includes(`/manifests/v1 `)));
    const mounts = lines.filter((line) => line.includes('"POST ') && line.includes('mount='));
    expect(mounts).toHaveLength(2);
    for (const blob of blobs) {
      expect(mounts.some((line) => line.includes(encodeURIComponent(blob)) && line.includes(`from=${encodeURIComponent(from)}`) && / 201 /.test(line))).toBe(true);
    }
    // No upload session was written to, and the source's blobs were not read.
    expect(lines.filter((line) => /"(PATCH|PUT) \/v2\/[^ ]+\/blobs\/uploads/.test(line))).toEqual([]);
    expect(accessLines('plain', `${from}/blobs/`).slice(sourceReadsBefore).filter((line) => line.includes('"GET '))).toEqual([]);
    for (const blob of blobs) expect(await blobExists('plain', to, blob)).toBe(true);
    expect((await getManifest('plain', to, 'v1')).digest).toBe(digest);
  });

  test('copies an index with two children, children first, every byte the same', async () => {
    const repository = uniqueRepository('copy/index');
    const target = uniqueRepository('copy/index-dst');
    const amd = await makePar(dir, 'index-amd64', { arch: 'x86_64-linux' });
    const arm = await makePar(dir, 'index-arm64', { arch: 'aarch64-linux' });
    const amdDigest = await pushPar(`${plain}/${repository}:amd64`, amd);
    const armDigest = await pushPar(`${plain}/${repository}:arm64`, arm);
    const child = async (tag: string, digest: string, architecture: string) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest,
      size: (await getManifest('plain', repository, tag)).bytes.length,
      platform: { architecture, os: 'linux' },
    });
    const indexBytes = Buffer.from(
      JSON.stringify(
        {
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: [await child('amd64', amdDigest, 'amd64'), await child('arm64', armDigest, 'arm64')],
        },
        null,
        3, // unusual spacing: a re-serialised index would not keep these bytes
      ),
    );
    await putManifest('plain', repository, 'multi', indexBytes, 'application/vnd.oci.image.index.v1+json');
    const indexDigest = sha256(indexBytes);

    const report = await copyJson([`${plain}/${repository}:multi`, `${plain2}/${target}:multi`]);
    // Two layers, one shared config, two manifests, the index.
    expect(report).toMatchObject({ sourceDigest: indexDigest, destinationDigest: indexDigest, copied: 6, skipped: 0 });

    const copied = await getManifest('plain2', target, 'multi');
    expect(copied.digest).toBe(indexDigest);
    expect(copied.bytes.equals(indexBytes)).toBe(true);
    for (const [tag, digest] of [['amd64', amdDigest], ['arm64', armDigest]] as const) {
      const original = await getManifest('plain', repository, tag);
      const child = await getManifest('plain2', target, digest);
      expect(child.bytes.equals(original.bytes)).toBe(true);
      const layer = (JSON.parse(original.bytes.toString('utf8')) as { layers: { digest: string }[] }).layers[0]!.digest;
      expect(await blobExists('plain2', target, layer)).toBe(true);
    }

    // Children before the parent: both child manifests were PUT before the index (which is PUT
    // under its tag: one request stores and tags it).
    const lines = await waitForLog('plain2', target, (l) => l.some((line) => line.includes('/manifests/multi ')));
    const putAt = (reference: string) => lines.findIndex((line) => line.includes(`"PUT /v2/${target}/manifests/${reference} `));
    expect(putAt(amdDigest)).toBeGreaterThanOrEqual(0);
    expect(putAt(armDigest)).toBeGreaterThanOrEqual(0);
    expect(putAt('multi')).toBeGreaterThan(putAt(amdDigest));
    expect(putAt('multi')).toBeGreaterThan(putAt(armDigest));

    // And both children pull back as the files that were pushed.
    const out = join(dir, 'index-child.par');
    expectStatus(await par(['pull', `${plain2}/${target}@${armDigest}`, '--destination', out]), 0);
    expect(readFileSync(out).equals(readFileSync(arm))).toBe(true);
  });

  test('a destination digest that is not the source digest is refused before anything is sent', async () => {
    const repository = uniqueRepository('copy/wrong-digest');
    await pushPar(`${plain}/${repository}:v1`, parFile);
    const wrong = sha256('something else');
    const result = await par(['copy', `${plain}/${repository}:v1`, `${plain2}/${repository}@${wrong}`]);
    expect(result.status).toBe(1);
    expect(isOneLineError(result)).toBe(true);
    expect(result.stderr).toContain(wrong);
    await settle();
    expect(accessLines('plain2', repository)).toEqual([]);
  });
});

describe('par copy with OCI image layouts (skopeo interop)', () => {
  test('skopeo reads a layout par wrote: same manifest bytes, and copies it on to a registry', async () => {
    const repository = uniqueRepository('copy/to-layout');
    const digest = await pushPar(`${plain}/${repository}:v1`, parFile);
    const layout = join(dir, 'written-by-par');

    const report = await copyJson([`${plain}/${repository}:v1`, `oci:${layout}:v1`]);
    expect(report).toMatchObject({ sourceDigest: digest, destinationDigest: digest, destination: `oci:${layout}:v1` });

    const { stdout } = await run('skopeo', ['inspect', '--raw', `oci:${layout}:v1`], { encoding: 'buffer' });
    expect(Buffer.from(stdout).equals((await getManifest('plain', repository, 'v1')).bytes)).toBe(true);

    const onward = uniqueRepository('copy/skopeo-from-par-layout');
    await run('skopeo', ['copy', '--preserve-digests', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${plain2}/${onward}:v1`]);
    expect((await getManifest('plain2', onward, 'v1')).digest).toBe(digest);
    const out = join(dir, 'via-par-layout.par');
    expectStatus(await par(['pull', `${plain2}/${onward}:v1`, '--destination', out]), 0);
    expect(readFileSync(out).equals(parBytes)).toBe(true);
  });

  test('par reads a layout skopeo wrote, copies it to a registry, and the pull is byte-identical', async () => {
    const repository = uniqueRepository('copy/from-layout');
    const digest = await pushPar(`${plain}/${repository}:v1`, parFile);
    const layout = join(dir, 'written-by-skopeo');
    await run('skopeo', ['copy', '--preserve-digests', '--src-tls-verify=false', `docker://${plain}/${repository}:v1`, `oci:${layout}:v1`]);

    const target = uniqueRepository('copy/from-layout-dst');
    const report = await copyJson([`oci:${layout}:v1`, `${plain2}/${target}:v2`]);
    expect(report).toMatchObject({ sourceDigest: digest, destinationDigest: digest });
    expect((await getManifest('plain2', target, 'v2')).bytes.equals((await getManifest('plain', repository, 'v1')).bytes)).toBe(true);

    const out = join(dir, 'from-skopeo-layout.par');
    expectStatus(await par(['pull', `${plain2}/${target}:v2`, '--destination', out]), 0);
    expect(readFileSync(out).equals(parBytes)).toBe(true);
  });

  test('an index goes into a layout and out again unchanged', async () => {
    const repository = uniqueRepository('copy/index-layout');
    const amdDigest = await pushPar(`${plain}/${repository}:amd64`, parFile);
    const size = (await getManifest('plain', repository, 'amd64')).bytes.length;
    const indexBytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: amdDigest, size, platform: { architecture: 'amd64', os: 'linux' } }],
      }),
    );
    await putManifest('plain', repository, 'multi', indexBytes, 'application/vnd.oci.image.index.v1+json');
    const layout = join(dir, 'index-layout');
    await copyJson([`${plain}/${repository}:multi`, `oci:${layout}:multi`]);
    const target = uniqueRepository('copy/index-layout-dst');
    const report = await copyJson([`oci:${layout}:multi`, `${plain2}/${target}:multi`]);
    expect(report.destinationDigest).toBe(sha256(indexBytes));
    expect((await getManifest('plain2', target, 'multi')).bytes.equals(indexBytes)).toBe(true);
    expect((await getManifest('plain2', target, amdDigest)).status).toBe(200);
  });
});

describe('par copy between two OCI layouts', () => {
  test('a blob corrupted inside layout A: copy to layout B fails with exit 4 and leaves no blob (and no layout) in B', async () => {
    const repository = uniqueRepository('copy/corrupt-layout');
    await pushPar(`${plain}/${repository}:v1`, parFile);
    const a = join(dir, 'corrupt-a');
    const b = join(dir, 'corrupt-b');
    expectStatus(await par(['copy', `${plain}/${repository}:v1`, `oci:${a}:v1`]), 0);

    // Flip one byte of the par layer, keeping its size: only a digest check can tell.
    const index = JSON.parse(readFileSync(join(a, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const manifest = JSON.parse(readFileSync(join(a, 'blobs', 'sha256', index.manifests[0]!.digest.slice(7)), 'utf8')) as { layers: { digest: string }[] };
    const layer = manifest.layers[0]!.digest;
    const blob = join(a, 'blobs', 'sha256', layer.slice(7));
    const bytes = readFileSync(blob);
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0xff;
    writeFileSync(blob, bytes);

    const result = await par(['copy', `oci:${a}:v1`, `oci:${b}:v1`]);
    expect(result.status).toBe(4);
    expect(isOneLineError(result)).toBe(true);
    expect(result.stderr).toContain(layer);
    // The copy created B and failed: nothing of it remains, so no blob at all.
    expect(existsSync(b)).toBe(false);

    // Into a layout that already holds another artifact, the corrupted blob is still never stored.
    const other = uniqueRepository('copy/corrupt-layout-other');
    await pushPar(`${plain}/${other}:v1`, await makePar(dir, 'corrupt-other', { size: 10 * 1024 }));
    expectStatus(await par(['copy', `${plain}/${other}:v1`, `oci:${b}:other`]), 0);
    const before = readdirSync(join(b, 'blobs', 'sha256')).sort();
    const again = await par(['copy', `oci:${a}:v1`, `oci:${b}:v1`]);
    expect(again.status).toBe(4);
    const after = readdirSync(join(b, 'blobs', 'sha256'));
    expect(after).not.toContain(layer.slice(7));
    expect(after.filter((name) => name.includes('partial'))).toEqual([]);
    // The config blob both artifacts share was there already: nothing new landed.
    expect(after.filter((name) => !before.includes(name))).toEqual([]);
    expect(readFileSync(join(b, 'index.json'), 'utf8')).not.toContain('"v1"');
  });
});

describe('par copy with different credentials for source and destination', () => {
  const token = registries.token;
  const basic = registries.basic;

  test('read-only source credentials (--src-creds) and push credentials for the destination (PAR_DEST_CREDS)', async () => {
    const repository = uniqueRepository('copy/creds');
    const alice = token.users.alice;
    const digest = await pushPar(`${token.host}/${repository}:v1`, parFile, ['-u', alice.username, '-p', alice.password]);
    const reader = token.users.reader;

    const report = await copyJson(
      [`${token.host}/${repository}:v1`, `${basic.host}/${repository}:v1`, '--src-creds', `${reader.username}:${reader.password}`, '--ca-file', basic.caFile],
      { env: { PAR_DEST_CREDS: `${basic.user}:${basic.password}` } },
    );
    expect(report).toMatchObject({ sourceDigest: digest, destinationDigest: digest, copied: 3 });

    const out = join(dir, 'creds.par');
    expectStatus(await par(['pull', `${basic.host}/${repository}:v1`, '--destination', out, '--ca-file', basic.caFile, '-u', basic.user, '-p', basic.password]), 0);
    expect(readFileSync(out).equals(parBytes)).toBe(true);
  });

  test('read-only credentials for the destination are refused as unauthorized (exit 3), secrets not shown', async () => {
    const repository = uniqueRepository('copy/creds-denied');
    await pushPar(`${plain}/${repository}:v1`, parFile);
    const reader = token.users.reader;
    const result = await par(['copy', `${plain}/${repository}:v1`, `${token.host}/${repository}:v1`, '--dest-creds', `${reader.username}:${reader.password}`]);
    expect(result.status).toBe(3);
    expect(isOneLineError(result)).toBe(true);
    expect(result.stderr).toContain(`${token.host}/${repository}`);
    expect(result.stderr).toMatch(/insufficient scope|denied|unauthorized/i);
    expect(result.stderr).not.toContain(reader.password);
    await settle();
    // The token registry accepted no write to the destination repository.
    expect(writes(accessLines('token', repository)).filter((line) => /" 20[0-2] /.test(line))).toEqual([]);
  });

  test('credentials stored by par login are used per host', async () => {
    const home = tempDir('par-copy-login-');
    const login = await par(['login', basic.host, '-u', basic.user, '--password-stdin', '--ca-file', basic.caFile], { home, input: basic.password });
    expectStatus(login, 0);
    const repository = uniqueRepository('copy/login');
    const digest = await pushPar(`${plain}/${repository}:v1`, parFile);
    const report = await copyJson([`${plain}/${repository}:v1`, `${basic.host}/${repository}:v1`, '--ca-file', basic.caFile], { home });
    expect(report.destinationDigest).toBe(digest);
  });
});
