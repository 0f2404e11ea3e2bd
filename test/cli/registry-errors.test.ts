// Registry failures through the CLI: each a distinct one-line message with its documented exit status
// (0 ok, 1 other, 2 not found, 3 auth, 4 verification), never showing a password.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { WASH_TEST_KEYS, fixture, isOneLineError, par as parWithSecrets, tempDir, type ParRun } from '../support/par.js';
import { PAR_LAYER_MEDIA_TYPE, parNoSecrets as par, sha256Hex } from '../support/registry-cli.js';

useRegistries(['plain', 'basic', 'token']);

const fakepay = fixture('wash/fakepay.par.gz');
const plain = registries.plain.host;
const basic = registries.basic;
const token = registries.token;
const { alice, reader, bob } = token.users;

/** Messages seen so far, by label: every failure must read differently from every other. */
const messages = new Map<string, string>();

function expectFailure(label: string, run: ParRun, status: number, ...patterns: RegExp[]): void {
  expect(run.status, `${label}: ${run.stderr}`).toBe(status);
  expect(isOneLineError(run), `${label}: ${run.stderr}`).toBe(true);
  expect(run.stdout, label).toBe('');
  for (const pattern of patterns) expect(run.stderr, label).toMatch(pattern);
  const message = run.stderr.trim();
  for (const [other, seen] of messages) expect(message, `${label} reads like ${other}`).not.toBe(seen);
  messages.set(label, message);
}

/** Pushes an OCI image (not a par) with plain HTTP requests: a tar+gzip layer and an image config. */
async function pushPlainImage(repository: string, tag: string): Promise<void> {
  const base = `${registries.plain.url}/v2/${repository}`;
  const layer = Buffer.from('not a provider archive');
  const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
  for (const blob of [layer, config]) {
    const started = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
    expect(started.status).toBe(202);
    const location = new URL(started.headers.get('location')!, registries.plain.url);
    location.searchParams.set('digest', `sha256:${sha256Hex(blob)}`);
    const put = await fetch(location, { method: 'PUT', body: blob, headers: { 'content-type': 'application/octet-stream' } });
    expect(put.status).toBe(201);
  }
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha256Hex(config)}`, size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${sha256Hex(layer)}`, size: layer.length }],
  });
  const put = await fetch(`${base}/manifests/${tag}`, {
    method: 'PUT',
    body: manifest,
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  expect(put.status).toBe(201);
}

/** An uncompressed archive whose binary no longer matches its signed hash. */
async function tamperedArchive(dir: string): Promise<string> {
  const binary = randomBytes(4096);
  writeFileSync(join(dir, 'bin'), binary);
  const archive = join(dir, 'tampered.par');
  const created = await parWithSecrets(['create', '-n', 'T', '-v', 'Acme', '-a', 'x86_64-linux', '-b', join(dir, 'bin'),
    '-i', WASH_TEST_KEYS.issuerSeed, '-s', WASH_TEST_KEYS.subjectSeed, '--destination', archive]);
  expect(created.status, created.stderr).toBe(0);
  const bytes = readFileSync(archive);
  const at = bytes.indexOf(binary.subarray(0, 64));
  expect(at).toBeGreaterThan(0);
  bytes[at + 100] = bytes[at + 100]! ^ 0xff;
  writeFileSync(archive, bytes);
  return archive;
}

describe('authentication and authorization failures exit 3', () => {
  test('a wrong password on the Basic registry', async () => {
    const run = await par(['push', `${basic.host}/${uniqueRepository('par-cli/err')}:1`, fakepay, '--ca-file', basic.caFile, '-u', basic.user, '-p', 'wrong-password-9f3a']);
    expectFailure('basic wrong password', run, 3, /127\.0\.0\.1:5003/, /401/, /refused the credentials/);
  });

  test('no credentials at all on the Basic registry says to log in', async () => {
    const run = await par(['push', `${basic.host}/${uniqueRepository('par-cli/err')}:1`, fakepay, '--ca-file', basic.caFile]);
    expectFailure('basic anonymous', run, 3, /no credentials are configured for 127\.0\.0\.1:5003/, /par login 127\.0\.0\.1:5003/);
  });

  test('anonymous push on the token registry says to log in', async () => {
    const run = await par(['push', `${token.host}/${uniqueRepository('par-cli/err')}:1`, fakepay]);
    expectFailure('token anonymous', run, 3, /anonymous/, /par login 127\.0\.0\.1:5004/);
  });

  test('a wrong password on the token registry names the realm and the status', async () => {
    const run = await par(['push', `${token.host}/${uniqueRepository('par-cli/err')}:1`, fakepay, '-u', alice.username, '-p', 'wrong-password-9f3a']);
    expectFailure('token wrong password', run, 3, /http:\/\/127\.0\.0\.1:5005\/token/, /401/);
  });

  test('reader may pull but not push', async () => {
    const run = await par(['push', `${token.host}/${uniqueRepository('par-cli/err')}:1`, fakepay, '-u', reader.username, '-p', reader.password]);
    expectFailure('reader pushes', run, 3, /scope|permission/);
  });

  test('bob may push under bob/ only', async () => {
    const inside = await par(['push', `${token.host}/${uniqueRepository('bob/par-cli')}:1`, fakepay, '-u', bob.username, '-p', bob.password]);
    expect(inside.status, inside.stderr).toBe(0);
    const outside = await par(['push', `${token.host}/${uniqueRepository('alice/par-cli')}:1`, fakepay, '-u', bob.username, '-p', bob.password]);
    expectFailure('bob outside bob/', outside, 3, /alice\/par-cli/, /scope|permission/);
  });
});

describe('what does not exist exits 2', () => {
  test('an unknown repository', async () => {
    const repository = uniqueRepository('par-cli/nothing-here');
    const dir = tempDir();
    const run = await par(['pull', `${plain}/${repository}:1`, '--destination', join(dir, 'x.par.gz')]);
    expectFailure('unknown repository', run, 2, new RegExp(repository), /repository/i);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('an unknown tag of a repository that exists', async () => {
    const repository = uniqueRepository('par-cli/known');
    expect((await par(['push', `${plain}/${repository}:1`, fakepay])).status).toBe(0);
    const run = await par(['pull', `${plain}/${repository}:2`, '--destination', join(tempDir(), 'x.par.gz')]);
    expectFailure('unknown tag', run, 2, new RegExp(`${repository}:2`), /tag/i);
  });
});

describe('transport failures exit 1', () => {
  test('an unreachable host says it cannot reach it', async () => {
    const run = await par(['pull', '127.0.0.1:1/par/x:1', '--destination', join(tempDir(), 'x.par.gz')]);
    expectFailure('unreachable', run, 1, /cannot reach/, /127\.0\.0\.1:1\b/);
  });

  test('an untrusted TLS certificate names the problem and suggests --ca-file', async () => {
    const run = await par(['push', `${basic.host}/${uniqueRepository('par-cli/err')}:1`, fakepay, '-u', basic.user, '-p', basic.password]);
    expectFailure('untrusted certificate', run, 1, /certificate/i, /--ca-file/);
  });
});

describe('the latest tag needs --allow-latest', () => {
  test('push and pull of :latest are refused (1), then accepted with the flag', async () => {
    const repository = uniqueRepository('par-cli/latest');
    const refused = await par(['push', `${plain}/${repository}:latest`, fakepay]);
    expectFailure('push latest', refused, 1, /latest/, /--allow-latest/);
    const implicit = await par(['pull', `${plain}/${repository}`, '--destination', join(tempDir(), 'x.par.gz')]);
    expect(implicit.status).toBe(1);
    expect(implicit.stderr).toContain('--allow-latest');

    const pushed = await par(['push', `${plain}/${repository}:latest`, fakepay, '--allow-latest']);
    expect(pushed.status, pushed.stderr).toBe(0);
    const destination = join(tempDir(), 'x.par.gz');
    const pulled = await par(['pull', `${plain}/${repository}`, '--allow-latest', '--destination', destination]);
    expect(pulled.status, pulled.stderr).toBe(0);
    expect(readFileSync(destination).equals(readFileSync(fakepay))).toBe(true);
  });
});

describe('what is not a valid provider archive', () => {
  test('push refuses an archive that does not verify (4) unless --no-verify; pull then refuses it too', async () => {
    const dir = tempDir();
    const archive = await tamperedArchive(dir);
    const repository = uniqueRepository('par-cli/tampered');
    const refused = await par(['push', `${plain}/${repository}:1`, archive]);
    expectFailure('push invalid archive', refused, 4, /tampered\.par/, /--no-verify/);
    expect(await fetch(`${registries.plain.url}/v2/${repository}/manifests/1`, { method: 'HEAD' }).then((r) => r.status)).toBe(404);

    const forced = await par(['push', `${plain}/${repository}:1`, archive, '--no-verify']);
    expect(forced.status, forced.stderr).toBe(0);

    const out = tempDir();
    const pulled = await par(['pull', `${plain}/${repository}:1`, '--destination', join(out, 'x.par')]);
    expectFailure('pull invalid archive', pulled, 4, /does not verify/);
    expect(readdirSync(out)).toEqual([]);

    const unverified = await par(['pull', `${plain}/${repository}:1`, '--no-verify', '--destination', join(out, 'x.par')]);
    expect(unverified.status, unverified.stderr).toBe(0);
    expect(readFileSync(join(out, 'x.par')).equals(readFileSync(archive))).toBe(true);
  });

  test('pull refuses an artifact that is not a par, listing the media types, and writes nothing', async () => {
    const repository = uniqueRepository('par-cli/image');
    await pushPlainImage(repository, 'v1');
    const out = tempDir();
    const destination = join(out, 'image.par.gz');
    const run = await par(['pull', `${plain}/${repository}:v1`, '--destination', destination]);
    expectFailure('not a par', run, 1, new RegExp(`${repository}:v1 is not a provider archive`), /application\/vnd\.oci\.image\.layer\.v1\.tar\+gzip/, new RegExp(PAR_LAYER_MEDIA_TYPE.replace(/[.+]/g, '\\$&')));
    expect(existsSync(destination)).toBe(false);
    expect(readdirSync(out)).toEqual([]);

    const inspected = await par(['inspect', `${plain}/${repository}:v1`]);
    expect(inspected.status).toBe(1);
    expect(inspected.stderr).toContain(`${repository}:v1 is not a provider archive`);
  });
});

describe('--output json errors', () => {
  test.each([
    { label: 'not found', exitCode: 2, kind: 'not_found', args: ['pull', `${plain}/par-cli/never-pushed-${Date.now()}:1`] },
    { label: 'unauthorized', exitCode: 3, kind: 'unauthorized', args: ['push', `${token.host}/par-cli/json:1`, fakepay, '-u', alice.username, '-p', 'wrong-password-9f3a'] },
    { label: 'verification', exitCode: 4, kind: 'verification', args: ['pull', `${plain}/par-cli/json:1`, '--digest', `sha256:${'0'.repeat(64)}`] },
    { label: 'unreachable', exitCode: 1, kind: 'failure', args: ['resolve', '127.0.0.1:1/par/x:1'] },
  ])('$label: one JSON object on stderr with error, kind, exitCode', async ({ exitCode, kind, args }) => {
    if (kind === 'verification') expect((await par(['push', `${plain}/par-cli/json:1`, fakepay])).status).toBe(0);
    const run = await par([...args, '--output', 'json'], { cwd: tempDir() });
    expect(run.status).toBe(exitCode);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    const error = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(error).sort()).toEqual(['error', 'exitCode', 'kind']);
    expect(error.exitCode).toBe(exitCode);
    expect(error.kind).toBe(kind);
    expect(typeof error.error).toBe('string');
    expect((error.error as string).length).toBeGreaterThan(10);
  });
});
