// Public registries' upload quirks, each imitated by a front server before the real plain
// registry (test/support/field-registries.ts); par gets no flag that names the quirk.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { artifactory, ecr, ghcr, googleArtifactRegistry, legacyGcr, sha256, type PatchLog } from '../support/field-registries.js';
import { startFrontServer, type FrontServer, type FrontServerOptions } from '../support/front-server.js';
import { isOneLineError, par, tempDir } from '../support/par.js';
import { freshArchive } from '../support/registry-cli.js';
import { closedAfterEach } from '../support/servers.js';

useRegistries(['plain']);

const MiB = 1024 * 1024;
const servers = closedAfterEach<FrontServer>();
const work = tempDir('par-field-');
/** Over the 64 MiB from which a new file is pushed in one pass (uploaded while it is hashed). */
let large: { file: string; bytes: Buffer };
let small: { file: string; bytes: Buffer };

beforeAll(async () => {
  large = await freshArchive(work, 64 * MiB + 4096, 'large');
  small = await freshArchive(work, 300 * 1024, 'small');
}, 120_000);

afterAll(() => {
  large = undefined as never;
});

async function front(intercept: FrontServerOptions['intercept']): Promise<FrontServer> {
  const server = await startFrontServer({ upstream: registries.plain.url, intercept, maxRequests: 400 });
  servers.push(server);
  return server;
}

/** Pulls from the real registry behind the front, so what it stored is what is checked. */
async function expectStored(repository: string, bytes: Buffer): Promise<void> {
  const out = join(tempDir(), 'pulled.par.gz');
  const run = await par(['pull', `${registries.plain.host}/${repository}:v1`, '--destination', out]);
  expect(run.status, run.stderr).toBe(0);
  expect(sha256(readFileSync(out))).toBe(sha256(bytes));
}

function requests(server: FrontServer, method: string, path: RegExp): string[] {
  return server.seen.filter((seen) => seen.method === method && path.test(seen.url)).map((seen) => seen.url);
}

describe('GHCR: PATCH bodies over 4 MiB answered 416', () => {
  test('a one-pass push of a large new file restarts in chunks of at most 4 MiB after the first 416, and holds for the rest of the blob', async () => {
    const log: PatchLog = { accepted: [], refused: [] };
    const server = await front(ghcr(log));
    const repository = uniqueRepository('field/ghcr');
    const run = await par(['push', `${server.host}/${repository}:v1`, large.file]);
    expect(run.status, run.stderr).toBe(0);
    expect(log.refused, 'one streamed PATCH refused, no more').toHaveLength(1);
    expect(log.accepted.length).toBeGreaterThanOrEqual(16);
    expect(Math.max(...log.accepted)).toBeLessThanOrEqual(4 * MiB);
    await expectStored(repository, large.bytes);
  }, 120_000);

  test('chunks larger than 4 MiB (--chunk-size) fall back to one monolithic PUT', async () => {
    const log: PatchLog = { accepted: [], refused: [] };
    const server = await front(ghcr(log));
    const repository = uniqueRepository('field/ghcr-chunks');
    const run = await par(['push', `${server.host}/${repository}:v1`, large.file, '--chunk-size', String(8 * MiB), '--no-verify']);
    expect(run.status, run.stderr).toBe(0);
    expect(log.refused.length).toBeGreaterThanOrEqual(1);
    await expectStored(repository, large.bytes);
  }, 120_000);
});

describe('Google Artifact Registry: PATCH refused', () => {
  for (const status of [405, 400] as const) {
    test(`a one-pass push of a large new file, PATCH answered ${status}: hashed, then one monolithic PUT`, async () => {
      const server = await front(googleArtifactRegistry(status));
      const repository = uniqueRepository('field/gar');
      const run = await par(['push', `${server.host}/${repository}:v1`, large.file]);
      expect(run.status, run.stderr).toBe(0);
      expect(requests(server, 'PATCH', /\/blobs\/uploads\//), 'one PATCH tried, then none').toHaveLength(1);
      await expectStored(repository, large.bytes);
    }, 120_000);
  }

  test('a chunked push (--chunk-size) falls back to monolithic', async () => {
    const server = await front(googleArtifactRegistry(405));
    const repository = uniqueRepository('field/gar-chunks');
    const run = await par(['push', `${server.host}/${repository}:v1`, small.file, '--chunk-size', '65536']);
    expect(run.status, run.stderr).toBe(0);
    await expectStored(repository, small.bytes);
  });
});

describe('ECR: PATCH answered 201; mount of an unreferenced blob refused', () => {
  test('a chunked push succeeds on 201 answers to PATCH', async () => {
    const server = await front(ecr());
    const repository = uniqueRepository('field/ecr');
    const run = await par(['push', `${server.host}/${repository}:v1`, small.file, '--chunk-size', '65536']);
    expect(run.status, run.stderr).toBe(0);
    expect(requests(server, 'PATCH', /\/blobs\/uploads\//).length).toBeGreaterThanOrEqual(5);
    await expectStored(repository, small.bytes);
  });

  test('a one-pass push succeeds on a 201 answer to its PATCH', async () => {
    const server = await front(ecr());
    const repository = uniqueRepository('field/ecr-large');
    const run = await par(['push', `${server.host}/${repository}:v1`, large.file]);
    expect(run.status, run.stderr).toBe(0);
    await expectStored(repository, large.bytes);
  }, 120_000);

  test('a copy within the registry whose mount is refused uploads the blobs instead', async () => {
    const server = await front(ecr());
    const source = uniqueRepository('field/ecr-src');
    const destination = uniqueRepository('field/ecr-dst');
    expect((await par(['push', `${server.host}/${source}:v1`, small.file])).status).toBe(0);
    const run = await par(['copy', `${server.host}/${source}:v1`, `${server.host}/${destination}:v1`]);
    expect(run.status, run.stderr).toBe(0);
    expect(requests(server, 'POST', /mount=/).length).toBeGreaterThanOrEqual(1);
    await expectStored(destination, small.bytes);
  });
});

describe('Artifactory: a chunked upload answered 201 while only its last chunk is stored', () => {
  test('par sees the wrong size on its HEAD after the commit, uploads again in one request, and the artifact is whole', async () => {
    const quirk = artifactory();
    const server = await front(quirk);
    const repository = uniqueRepository('field/artifactory');
    const run = await par(['push', `${server.host}/${repository}:v1`, small.file, '--chunk-size', '65536']);
    expect(run.status, run.stderr).toBe(0);
    expect(quirk.wronglyHeld.has(sha256(small.bytes)), 'the monolithic re-upload replaced the wrong copy').toBe(false);
    await expectStored(repository, small.bytes);
  });

  test('when even the monolithic upload is stored wrongly, push fails clearly and pushes no manifest', async () => {
    const server = await front(artifactory({ alsoMonolithic: true }));
    const repository = uniqueRepository('field/artifactory-broken');
    const run = await par(['push', `${server.host}/${repository}:v1`, small.file, '--chunk-size', '65536']);
    expect(run.status, run.stderr).toBe(4);
    expect(isOneLineError(run), run.stderr).toBe(true);
    expect(run.stderr).toMatch(/accepted the upload but holds \d+ bytes .* even after sending it again in one request; nothing was tagged/);
    expect(requests(server, 'PUT', /\/manifests\//), 'no manifest names a wrongly held blob').toEqual([]);
  });
});

describe('legacy GCR: 204 where 201 or 202 is expected', () => {
  test('push (monolithic and chunked) and copy with a mount succeed on 204 answers', async () => {
    const server = await front(legacyGcr());
    const repository = uniqueRepository('field/gcr');
    const monolithic = await par(['push', `${server.host}/${repository}:v1`, small.file]);
    expect(monolithic.status, monolithic.stderr).toBe(0);
    const chunked = await par(['push', `${server.host}/${repository}-chunked:v1`, small.file, '--chunk-size', '65536']);
    expect(chunked.status, chunked.stderr).toBe(0);
    const copied = await par(['copy', `${server.host}/${repository}:v1`, `${server.host}/${repository}-copy:v1`]);
    expect(copied.status, copied.stderr).toBe(0);
    expect(requests(server, 'DELETE', /./), 'a 204 mount is a mount, never a session to cancel').toEqual([]);
    await expectStored(repository, small.bytes);
    await expectStored(`${repository}-chunked`, small.bytes);
    await expectStored(`${repository}-copy`, small.bytes);
  });
});
