// Hostile servers get messages that say what happened: a download that kept breaking off, a redirect
// loop, a redirect or token realm that is no http(s) URL, a storage host whose certificate is not
// trusted; and an old registry's quirk (upload start answered 204) is accepted.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { proxy, type FrontServer, type Intercept } from '../support/front-server.js';
import { fixture, isOneLineError, par, tempDir, type ParRun } from '../support/par.js';
import { freshArchive, sha256Hex } from '../support/registry-cli.js';
import { closedAfterEach, frontServers, timed } from '../support/servers.js';

useRegistries(['plain']);

const fakepay = fixture('wash/fakepay.par.gz');
const layer = readFileSync(fakepay);
const layerDigest = `sha256:${sha256Hex(layer)}`;
const servers = closedAfterEach<FrontServer>();

const front = frontServers(servers);

function expectMessage(run: ParRun & { seconds: number }, message: string, status = 1): void {
  expect(run.status, run.stderr).toBe(status);
  expect(isOneLineError(run), run.stderr).toBe(true);
  expect(run.stderr).toContain(message);
  expect(run.stdout).toBe('');
  expect(run.seconds, run.stderr).toBeLessThan(30);
}

/** fakepay on the plain registry behind a front server; blob GETs of the layer answered by `onLayer`. */
async function pulledThrough(name: string, onLayer: Intercept, maxRequests = 50) {
  const repository = uniqueRepository(name);
  const pushed = await par(['push', `${registries.plain.host}/${repository}:1`, fakepay]);
  expect(pushed.status, pushed.stderr).toBe(0);
  const server = await front({
    upstream: registries.plain.url,
    maxRequests,
    intercept: (request, response, self) =>
      request.method === 'GET' && (request.url!.includes('/blobs/sha256:') || request.url!.startsWith('/loop/')) && onLayer(request, response, self),
  });
  const out = tempDir();
  const run = await timed(par(['pull', `${server.host}/${repository}:1`, '--destination', join(out, 'p.par'), '--no-progress']));
  return { server, repository, run, out, blob: `${server.host}/${repository}@${layerDigest}` };
}

describe('what a broken download says', () => {
  test('a blob download that breaks off every time says how often, not "cannot reach registry"', async () => {
    const { server, run, out, blob } = await pulledThrough('hostile/cut', (request, response) => {
      if (!request.url!.includes(layerDigest)) return false;
      response.writeHead(200, { 'content-length': String(layer.length), 'content-type': 'application/octet-stream' });
      response.write(layer.subarray(0, 1000), () => response.socket?.destroy());
      return true;
    });
    expectMessage(run, `fetch blob ${blob}: the download broke off 6 times (last: registry ${server.host}: connection closed by the server); gave up at byte 1000 of ${layer.length}`);
    expect(server.seen.filter((seen) => seen.url.includes(layerDigest))).toHaveLength(6);
    expect(readdirSync(out)).toEqual([]);
  });

  test('a redirect loop says redirect loop', async () => {
    const { server, run, out } = await pulledThrough('hostile/loop', (request, response) => {
      const next = request.url!.endsWith('/a') ? '/loop/b' : '/loop/a';
      response.writeHead(302, { location: next }).end();
      return true;
    });
    expectMessage(run, `redirect loop (${server.host} sent par back to ${server.url}/loop/a, already visited)`);
    expect(run.stderr).toMatch(/^error: fetch blob /);
    expect(server.seen.filter((seen) => seen.url.startsWith('/loop/')).length).toBeLessThanOrEqual(4);
    expect(readdirSync(out)).toEqual([]);
  });

  test('a redirect to file: says so, not "Invalid URL"', async () => {
    const { server, run, out } = await pulledThrough('hostile/file-redirect', (request, response) => {
      response.writeHead(307, { location: 'file:///etc/passwd' }).end();
      return true;
    });
    expectMessage(run, `${server.host} redirected to a file: URL; par follows only http and https redirects`);
    expect(run.stderr).not.toContain('Invalid URL');
    expect(readdirSync(out)).toEqual([]);
  });

  test("a storage host with an untrusted certificate is named, not the registry", async () => {
    const storage = await front({ tls: true, maxRequests: 20, intercept: (request, response) => (response.writeHead(200).end('never read'), true) });
    const { server, run, out } = await pulledThrough('hostile/storage-tls', (request, response) => {
      response.writeHead(307, { location: `${storage.url}/storage${request.url}` }).end();
      return true;
    });
    expectMessage(run, `TLS certificate of ${storage.host} (where registry ${server.host} sent par) is not trusted`);
    expect(run.stderr).not.toContain(`TLS certificate of registry`);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe('what a broken token realm says', () => {
  test.each([
    ['not a URL', 'http://[::1', 'named a token realm that is not a URL: "http://[::1"'],
    ['a file: URL', 'file:///etc/passwd', 'named a token realm that is not an http(s) URL (file:)'],
  ])('a realm that is %s', async (_name, realm, message) => {
    const server = await front({
      maxRequests: 20,
      intercept: (request, response) => (response.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}",service="x"` }).end(), true),
    });
    const run = await timed(par(['resolve', `${server.host}/repo:1`]));
    expectMessage(run, `registry ${server.host} ${message}`);
    expect(run.stderr).not.toContain('Invalid URL');
  });
});

describe('URLs a registry hands out are checked', () => {
  test('an upload Location that is a file: URL', async () => {
    const server = await front({
      upstream: registries.plain.url,
      maxRequests: 20,
      intercept: (request, response) => {
        if (request.method !== 'POST' || !request.url!.includes('/blobs/uploads/')) return false;
        response.writeHead(202, { location: 'file:///etc/passwd' }).end();
        return true;
      },
    });
    const { file } = await freshArchive(tempDir());
    const run = await timed(par(['push', `${server.host}/${uniqueRepository('hostile/file-location')}:1`, file, '--no-progress']));
    expectMessage(run, 'the registry sent an upload Location that is not an http(s) URL (file:)');
    expect(run.stderr).not.toContain('Invalid URL');
  });

  test('a tags Link that is not a URL', async () => {
    const server = await front({
      maxRequests: 20,
      intercept: (request, response) => {
        response.writeHead(200, { 'content-type': 'application/json', link: '<http://[::1>; rel="next"' }).end('{"name":"repo","tags":["a"]}');
        return true;
      },
    });
    const run = await timed(par(['tags', `${server.host}/repo`]));
    expectMessage(run, `list tags of ${server.host}/repo: the registry sent a next-page Link that is not a URL: "http://[::1"`);
  });
});

describe('registry quirks accepted', () => {
  test('an upload start answered 204 with a Location (old gcr.io) is an upload session', async () => {
    const repository = uniqueRepository('hostile/start-204');
    let rewritten = 0;
    const server = await front({
      upstream: registries.plain.url,
      maxRequests: 50,
      intercept: (request, response) => {
        if (request.method !== 'POST' || !request.url!.includes('/blobs/uploads/')) return false;
        proxy(registries.plain.url, request, response, (status, headers) => {
          if (status !== 202) return { status, headers };
          rewritten++;
          return { status: 204, headers };
        });
        return true;
      },
    });
    const dir = tempDir();
    const { file, bytes } = await freshArchive(dir);
    const pushed = await par(['push', `${server.host}/${repository}:1`, file, '--no-progress']);
    expect(pushed.status, pushed.stderr).toBe(0);
    expect(rewritten, 'the upload starts answered 204').toBeGreaterThan(0);
    const pulled = await par(['pull', `${registries.plain.host}/${repository}:1`, '--destination', join(dir, 'back.par.gz'), '--no-progress']);
    expect(pulled.status, pulled.stderr).toBe(0);
    expect(readFileSync(join(dir, 'back.par.gz')).equals(bytes)).toBe(true);
  });
});
