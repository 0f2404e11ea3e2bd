// A server that stalls is reported within seconds, naming what stalled: connect, the first byte of
// an answer, the middle of one, an answer dripped a byte at a time; never retried into minutes.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { drip, neverAnswer, proxy, startSilentServer, type FrontServer, type Intercept, type SilentServer } from '../support/front-server.js';
import { fixture, isOneLineError, par, tempDir, type ParRun } from '../support/par.js';
import { freshArchive, PAR_CONFIG_DIGEST, sha256Hex } from '../support/registry-cli.js';
import { closedAfterEach, frontServers, timed } from '../support/servers.js';

useRegistries(['plain']);

const fakepay = fixture('wash/fakepay.par.gz');
const layer = readFileSync(fakepay);
const layerDigest = `sha256:${sha256Hex(layer)}`;
const servers = closedAfterEach<FrontServer | SilentServer>();
const HINT = '(set --timeout SECONDS or PAR_TIMEOUT to wait longer)';

const front = frontServers(servers);

function expectStall(run: ParRun & { seconds: number }, message: string, maxSeconds: number): void {
  expect(run.status, run.stderr).toBe(1);
  expect(isOneLineError(run), run.stderr).toBe(true);
  expect(run.stderr).toContain(message);
  expect(run.stderr).toContain(HINT);
  expect(run.seconds, run.stderr).toBeLessThan(maxSeconds);
}

/** A repository holding fakepay on the plain registry, behind a front server that misbehaves as `intercept` says. */
async function pushedBehind(name: string, intercept: Intercept): Promise<{ server: FrontServer; repository: string }> {
  const repository = uniqueRepository(name);
  const pushed = await par(['push', `${registries.plain.host}/${repository}:1`, fakepay]);
  expect(pushed.status, pushed.stderr).toBe(0);
  return { server: await front({ upstream: registries.plain.url, intercept, maxRequests: 50 }), repository };
}

describe('stalls are reported in seconds, naming what stalled', () => {
  test('connect: a server that accepts the connection and never completes the TLS handshake', async () => {
    const silent = await startSilentServer();
    servers.push(silent);
    const run = await timed(par(['resolve', `${silent.host}/repo:1`, '--timeout', '1']));
    expectStall(run, `error: could not connect to registry ${silent.host} within 1 s; gave up`, 10);
    expect(silent.connections, 'connect timeouts are not retried').toBe(1);
  });

  test('first byte: a manifest request that is never answered (one request, no retries)', async () => {
    const { server, repository } = await pushedBehind('hostile/stall-manifest', (request) => request.url!.includes('/manifests/') && neverAnswer(request));
    const out = tempDir();
    const run = await timed(par(['pull', `${server.host}/${repository}:1`, '--destination', join(out, 'p.par'), '--timeout', '1']));
    expectStall(run, `fetch manifest ${server.host}/${repository}:1: registry ${server.host} sent no answer within 1 s; gave up`, 10);
    expect(server.seen.filter((seen) => seen.url.includes('/manifests/'))).toHaveLength(1);
    expect(readdirSync(out)).toEqual([]);
  });

  test('whole answer: a manifest dripped one byte at a time is cut off by the per-request deadline', async () => {
    const { server, repository } = await pushedBehind('hostile/drip-manifest', (request, response) => {
      if (!request.url!.includes('/manifests/')) return false;
      return drip(response, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, '{"schemaVersion":2,"layers":[]}'.padEnd(400), 200);
    });
    const out = tempDir();
    const run = await timed(par(['pull', `${server.host}/${repository}:1`, '--destination', join(out, 'p.par'), '--timeout', '1.5']));
    expectStall(run, `fetch manifest ${server.host}/${repository}:1: registry ${server.host} was still sending its answer after 1.5 s; gave up`, 10);
    expect(readdirSync(out)).toEqual([]);
  });

  test('token endpoint: a realm that never answers (timeout from PAR_TIMEOUT)', async () => {
    const server = await front({
      maxRequests: 20,
      intercept: (request, response, self) => {
        if (request.url!.startsWith('/token')) return neverAnswer(request);
        response.writeHead(401, { 'www-authenticate': `Bearer realm="${self.url}/token",service="x"` }).end();
        return true;
      },
    });
    const run = await timed(par(['resolve', `${server.host}/repo:1`], { env: { PAR_TIMEOUT: '1' } }));
    expectStall(run, `fetch token from ${server.url}/token: token service ${server.host} sent no answer within 1 s; gave up`, 10);
    expect(server.seen.filter((seen) => seen.url.startsWith('/token'))).toHaveLength(1);
  });

  test('login: GET /v2/ never answered; nothing stored', async () => {
    const server = await front({ maxRequests: 20, intercept: (request) => neverAnswer(request) });
    const home = tempDir('par-home-');
    const run = await timed(par(['login', server.host, '-u', 'someone', '-p', 'wrong-password-9f3a', '--timeout', '1'], { home }));
    expectStall(run, `login ${server.host}: registry ${server.host} sent no answer within 1 s; gave up`, 10);
    expect(run.stderr).not.toContain('wrong-password-9f3a');
    expect(existsSync(join(home, '.docker', 'config.json'))).toBe(false);
  });

  test('upload: a registry that takes the blob and never answers (no retry of the upload)', async () => {
    const repository = uniqueRepository('hostile/stall-upload');
    const server = await front({
      upstream: registries.plain.url,
      maxRequests: 50,
      intercept: (request, response, self) => {
        if (!request.url!.includes('/blobs/uploads/')) return false;
        if (request.method === 'PUT' || request.method === 'PATCH') return neverAnswer(request);
        // The registry names itself in Location: point the session back at this server.
        proxy(registries.plain.url, request, response, (status, headers) => ({
          status,
          headers: { ...headers, ...(headers.location ? { location: headers.location.replace(registries.plain.url, self.url) } : {}) },
        }));
        return true;
      },
    });
    // A blob no registry holds yet, so the upload happens.
    const { file } = await freshArchive(tempDir());
    const run = await timed(par(['push', `${server.host}/${repository}:1`, file, '--timeout', '1', '--no-progress']));
    // The cancelling DELETE goes to the same stalled server: at most two timeouts in all.
    expectStall(run, `registry ${server.host} sent no answer within 1 s; gave up`, 12);
    expect(run.stderr).toMatch(/^error: (upload blob|upload blob chunk|finish upload of blob) /);
    // One upload request per blob (the config and the layer go up side by side), none repeated.
    const uploads = server.seen.filter((seen) => (seen.method === 'PUT' || seen.method === 'PATCH') && seen.url.includes('/blobs/uploads/'));
    const blobs = uploads.map((seen) => new URL(seen.url, 'http://x').searchParams.get('digest') ?? seen.url);
    expect(new Set(blobs).size, `the stalled upload was retried: ${blobs.join(' ')}`).toBe(uploads.length);
    expect(uploads.length).toBeLessThanOrEqual(2);
  });

  test('body: a blob that stalls midway is reported once, not resumed into minutes; nothing left in the destination', async () => {
    const { server, repository } = await pushedBehind('hostile/stall-blob', (request, response) => {
      if (request.method !== 'GET' || !request.url!.includes(`/blobs/${layerDigest}`)) return false;
      response.writeHead(200, { 'content-length': String(layer.length), 'content-type': 'application/octet-stream' });
      response.write(layer.subarray(0, 1000));
      return true;
    });
    const out = tempDir();
    const run = await timed(par(['pull', `${server.host}/${repository}:1`, '--destination', join(out, 'p.par'), '--timeout', '1', '--no-progress']));
    expectStall(run, `fetch blob ${server.host}/${repository}@${layerDigest}: registry ${server.host} stopped sending its answer for 1 s; gave up`, 10);
    expect(server.seen.filter((seen) => seen.url.includes(`/blobs/${layerDigest}`))).toHaveLength(1);
    expect(readdirSync(out)).toEqual([]);
  });

  test("a stalled config download does not delay the layer's 404: the failure is reported at once", async () => {
    const { server, repository } = await pushedBehind('hostile/stall-config', (request, response) => {
      if (request.method !== 'GET') return false;
      if (request.url!.includes(`/blobs/${PAR_CONFIG_DIGEST}`)) return neverAnswer(request);
      if (request.url!.includes(`/blobs/${layerDigest}`)) {
        response.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}');
        return true;
      }
      return false;
    });
    const out = tempDir();
    // The default timeout (30 s): the report must not wait for the stalled request at all.
    const run = await timed(par(['pull', `${server.host}/${repository}:1`, '--destination', join(out, 'p.par'), '--no-progress']));
    expect(run.status, run.stderr).toBe(2);
    expect(isOneLineError(run), run.stderr).toBe(true);
    expect(run.stderr).toContain('BLOB_UNKNOWN');
    expect(run.seconds, run.stderr).toBeLessThan(10);
    expect(readdirSync(out)).toEqual([]);
  });

  test('a dripped body nobody reads (the answer to a manifest push) is cut off at the deadline: the push completes', async () => {
    const repository = uniqueRepository('hostile/drip-201');
    const server = await front({
      upstream: registries.plain.url,
      maxRequests: 50,
      intercept: (request, response) => {
        if (request.method !== 'PUT' || !request.url!.includes('/manifests/')) return false;
        // The registry stores the manifest; its answer reaches par as a body that never ends.
        const forwarded = httpRequest(new URL(request.url!, registries.plain.url), { method: 'PUT', headers: { ...request.headers, host: registries.plain.host } }, (answer) => {
          answer.resume();
          const headers = { ...answer.headers } as Record<string, string>;
          delete headers['content-length'];
          response.writeHead(answer.statusCode ?? 502, headers);
          const timer = setInterval(() => response.write(' '), 200);
          response.on('close', () => clearInterval(timer));
        });
        request.pipe(forwarded);
        return true;
      },
    });
    const run = await timed(par(['push', `${server.host}/${repository}:1`, fakepay, '--timeout', '1.5', '--no-progress']));
    expect(run.status, run.stderr).toBe(0);
    expect(run.seconds, run.stderr).toBeLessThan(15);
    const pulled = await par(['resolve', `${registries.plain.host}/${repository}:1`]);
    expect(pulled.status, pulled.stderr).toBe(0);
  });

  test('a timeout that is not a positive number of seconds is refused', async () => {
    const run = await par(['resolve', `${registries.plain.host}/repo:1`, '--timeout', '0']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('--timeout must be a number of seconds');
  });
});
