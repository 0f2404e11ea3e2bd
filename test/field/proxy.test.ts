// HTTPS_PROXY, HTTP_PROXY and NO_PROXY (and their lower-case forms) as curl reads them, through a
// real forward proxy on loopback (tinyproxy), with proxy credentials that never show.
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { fixture, isOneLineError, par, tempDir, type ParRun } from '../support/par.js';
import { startTinyproxy, type Tinyproxy } from '../support/tinyproxy.js';

useRegistries(['plain', 'basic']);

const fakepay = fixture('wash/fakepay.par.gz');
const proxyPassword = 'proxy-secret-7c41';
const basicFlags = ['--ca-file', registries.basic.caFile, '-u', registries.basic.user, '-p', registries.basic.password];
let proxy: Tinyproxy;
let open: Tinyproxy;

beforeAll(async () => {
  proxy = await startTinyproxy({ user: 'proxyuser', password: proxyPassword });
  open = await startTinyproxy();
});

afterAll(async () => {
  await Promise.all([proxy?.stop(), open?.stop()]);
});

function withCredentials(url: string, password = proxyPassword): string {
  return url.replace('http://', `http://proxyuser:${password}@`);
}

function expectNoProxySecret(run: ParRun): void {
  expect(run.stdout + run.stderr).not.toContain(proxyPassword);
  expect(run.stdout + run.stderr).not.toContain(Buffer.from(`proxyuser:${proxyPassword}`).toString('base64'));
}

describe('through a forward proxy', () => {
  test('HTTPS_PROXY with credentials: push and pull over a CONNECT tunnel to the TLS registry; the password never shows', async () => {
    const repository = uniqueRepository('field/proxy-tls');
    const env = { HTTPS_PROXY: withCredentials(proxy.url) };
    const pushed = await par(['push', `${registries.basic.host}/${repository}:v1`, fakepay, ...basicFlags, '--debug'], { env });
    expect(pushed.status, pushed.stderr).toBe(0);
    const pulled = await par(['pull', `${registries.basic.host}/${repository}:v1`, '--destination', join(tempDir(), 'p.par.gz'), ...basicFlags, '--debug'], { env });
    expect(pulled.status, pulled.stderr).toBe(0);
    expect(proxy.requests()).toContain(`CONNECT ${registries.basic.host}`);
    expect(pushed.stderr, 'nothing but the request log on stderr').not.toMatch(/Warning/);
    expectNoProxySecret(pushed);
    expectNoProxySecret(pulled);
  });

  test('http_proxy (lower case): a plain-HTTP registry is reached with absolute-URI requests through the proxy', async () => {
    const repository = uniqueRepository('field/proxy-plain');
    const run = await par(['push', `${registries.plain.host}/${repository}:v1`, fakepay], { env: { http_proxy: open.url } });
    expect(run.status, run.stderr).toBe(0);
    expect(open.requests()).toContain(`PUT http://${registries.plain.host}/v2/${repository}/manifests/v1`);
  });

  test('NO_PROXY naming the registry host: requests go direct, none through the proxy', async () => {
    const repository = uniqueRepository('field/proxy-bypass');
    const run = await par(['push', `${registries.plain.host}/${repository}:v1`, fakepay], {
      env: { HTTP_PROXY: open.url, HTTPS_PROXY: open.url, NO_PROXY: 'example.com,127.0.0.1' },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(open.requests().filter((line) => line.includes(repository))).toEqual([]);
  });

  test('a wrong proxy password: one line naming the proxy without its credentials', async () => {
    const wrong = 'wrong-proxy-pass-3e9d';
    const run = await par(['pull', `${registries.basic.host}/x/y:v1`, ...basicFlags], { env: { HTTPS_PROXY: withCredentials(proxy.url, wrong) } });
    expect(run.status, run.stderr).toBe(1);
    expect(isOneLineError(run), run.stderr).toBe(true);
    expect(run.stderr).toContain(`through proxy http://[redacted]@127.0.0.1:${proxy.port} (HTTPS_PROXY)`);
    expect(run.stderr).toContain('proxy authentication failed');
    expect(run.stderr).not.toContain(wrong);
  });

  test('a proxy that is not there: one line naming it', async () => {
    const run = await par(['pull', `${registries.basic.host}/x/y:v1`, ...basicFlags], { env: { https_proxy: 'http://u:p4ss-word@127.0.0.1:9' } });
    expect(run.status, run.stderr).toBe(1);
    expect(isOneLineError(run), run.stderr).toBe(true);
    expect(run.stderr).toContain('through proxy http://[redacted]@127.0.0.1:9 (https_proxy): connection refused');
    expect(run.stderr).not.toContain('p4ss-word');
  });
});

describe('Docker Hub names', () => {
  let server: Server;
  const tunnels: string[] = [];
  beforeAll(async () => {
    // A CONNECT proxy that records where it is asked to go and refuses: no internet needed.
    server = createServer((socket) => {
      socket.once('data', (data) => {
        tunnels.push(/^CONNECT (\S+)/.exec(data.toString('latin1'))?.[1] ?? '?');
        socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('docker.io is reached at registry-1.docker.io', async () => {
    const port = (server.address() as { port: number }).port;
    const run = await par(['pull', 'docker.io/library/hello:v1', '--destination', join(tempDir(), 'h.par.gz')], { env: { HTTPS_PROXY: `http://127.0.0.1:${port}` } });
    expect(run.status).toBe(1);
    expect(isOneLineError(run), run.stderr).toBe(true);
    expect(tunnels[0]).toBe('registry-1.docker.io:443');
    expect(run.stderr).toContain('the proxy answered 403');
  });
});
