// What already held against hostile servers, kept holding through the built CLI: bad blob bytes
// refused with nothing written, Range resume after a cut, bounded retries, Retry-After not slept
// when it is absurd, relative upload Locations.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { proxy, startFrontServer, type FrontServer, type Intercept } from '../support/front-server.js';
import { fixture, isOneLineError, par, tempDir } from '../support/par.js';
import { freshArchive, sha256Hex } from '../support/registry-cli.js';
import { closedAfterEach, timed } from '../support/servers.js';

useRegistries(['plain']);

const fakepay = fixture('wash/fakepay.par.gz');
const layer = readFileSync(fakepay);
const layerDigest = `sha256:${sha256Hex(layer)}`;
const servers = closedAfterEach<FrontServer>();

/** Pulls fakepay through a front server whose intercept answers as the test says. */
async function pullThrough(name: string, intercept: Intercept) {
  const repository = uniqueRepository(name);
  const pushed = await par(['push', `${registries.plain.host}/${repository}:1`, fakepay]);
  expect(pushed.status, pushed.stderr).toBe(0);
  const server = await startFrontServer({ upstream: registries.plain.url, maxRequests: 50, intercept });
  servers.push(server);
  const out = tempDir();
  const destination = join(out, 'p.par.gz');
  const run = await timed(par(['pull', `${server.host}/${repository}:1`, '--destination', destination, '--no-progress']));
  return { server, run, out, destination };
}

function layerGet(url: string | undefined, method: string | undefined): boolean {
  return method === 'GET' && url !== undefined && url.includes(`/blobs/${layerDigest}`);
}

describe('bad blob bytes are refused, nothing written', () => {
  test.each([
    ['too long', Buffer.concat([layer, Buffer.from('extra')])],
    ['too short', layer.subarray(0, layer.length - 10)],
    ['wrong bytes', Buffer.from(layer).fill(0x41, 5000, 5010)],
  ])('a layer that is %s', async (_name, body) => {
    const { run, out } = await pullThrough('hostile/bad-blob', (request, response) => {
      if (!layerGet(request.url, request.method)) return false;
      response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
      return true;
    });
    expect(run.status, run.stderr).toBe(4);
    expect(isOneLineError(run), run.stderr).toBe(true);
    expect(run.stderr).toContain(`blob `);
    expect(readdirSync(out)).toEqual([]);
  });
});

test('a download cut midway resumes with Range and completes, the file identical', async () => {
  const ranges: (string | undefined)[] = [];
  const { run, destination } = await pullThrough('hostile/resume', (request, response) => {
    if (!layerGet(request.url, request.method)) return false;
    ranges.push(request.headers.range);
    if (request.headers.range !== undefined) return false;
    response.writeHead(200, { 'content-length': String(layer.length), 'content-type': 'application/octet-stream' });
    // Cut only once the bytes are on their way: a cut before the client read any is a plain retry from 0.
    response.write(layer.subarray(0, 100_000), () => setTimeout(() => response.socket?.destroy(), 200));
    return true;
  });
  expect(run.status, run.stderr).toBe(0);
  expect(ranges).toEqual([undefined, 'bytes=100000-']);
  expect(readFileSync(destination).equals(layer)).toBe(true);
});

describe('retries are bounded', () => {
  test('503 forever gives up after 5 attempts', async () => {
    const { server, run, out } = await pullThrough('hostile/503', (request, response) => {
      if (!request.url!.includes('/manifests/')) return false;
      response.writeHead(503).end();
      return true;
    });
    expect(run.status, run.stderr).toBe(1);
    expect(isOneLineError(run), run.stderr).toBe(true);
    expect(run.stderr).toContain('503 Service Unavailable');
    expect(server.seen.filter((seen) => seen.url.includes('/manifests/'))).toHaveLength(5);
    expect(run.seconds).toBeLessThan(30);
    expect(readdirSync(out)).toEqual([]);
  });

  test('Retry-After: 100000 is not slept: reported at once', async () => {
    const { server, run } = await pullThrough('hostile/retry-after', (request, response) => {
      if (!request.url!.includes('/manifests/')) return false;
      response.writeHead(503, { 'retry-after': '100000' }).end();
      return true;
    });
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toContain('503 Service Unavailable');
    expect(server.seen.filter((seen) => seen.url.includes('/manifests/'))).toHaveLength(1);
    expect(run.seconds).toBeLessThan(10);
  });
});

test('a relative upload Location is resolved against the request and its query kept', async () => {
  const repository = uniqueRepository('hostile/relative-location');
  const server = await startFrontServer({
    upstream: registries.plain.url,
    maxRequests: 50,
    intercept: (request, response) => {
      if (request.method !== 'POST' || !request.url!.includes('/blobs/uploads/')) return false;
      proxy(registries.plain.url, request, response, (status, headers) => {
        const location = headers.location;
        if (location === undefined) return { status, headers };
        const absolute = new URL(location, registries.plain.url);
        return { status, headers: { ...headers, location: absolute.pathname + absolute.search } };
      });
      return true;
    },
  });
  servers.push(server);
  const dir = tempDir();
  const { file, bytes } = await freshArchive(dir);
  const pushed = await par(['push', `${server.host}/${repository}:1`, file, '--no-progress']);
  expect(pushed.status, pushed.stderr).toBe(0);
  const puts = server.seen.filter((seen) => seen.method === 'PUT' && seen.url.includes('/blobs/uploads/'));
  expect(puts.length, 'the upload went to the front server, at the relative Location').toBeGreaterThan(0);
  expect(puts.every((seen) => seen.url.includes('_state='))).toBe(true);
  const pulled = await par(['pull', `${registries.plain.host}/${repository}:1`, '--destination', join(dir, 'back.par.gz'), '--no-progress']);
  expect(pulled.status, pulled.stderr).toBe(0);
  expect(readFileSync(join(dir, 'back.par.gz')).equals(bytes)).toBe(true);
});
