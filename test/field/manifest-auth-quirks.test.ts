// Public registries' manifest, mount, rate-limit and token quirks, each imitated by a front server
// before a real test registry (test/support/field-registries.ts), driven through the built CLI.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { acr, configAllowList, dockerHubRateLimit, harbor, realmElsewhere, sha256, type TokenEndpointLog } from '../support/field-registries.js';
import { startFrontServer, type FrontServer, type FrontServerOptions } from '../support/front-server.js';
import { fixture, isOneLineError, par, tempDir } from '../support/par.js';
import { closedAfterEach } from '../support/servers.js';

useRegistries(['plain', 'token']);

const fakepay = fixture('wash/fakepay.par.gz');
const alice = registries.token.users.alice;
const aliceFlags = ['-u', alice.username, '-p', alice.password];
const servers = closedAfterEach<FrontServer>();

async function front(upstream: string, intercept: FrontServerOptions['intercept']): Promise<FrontServer> {
  const server = await startFrontServer({ upstream, intercept, maxRequests: 200 });
  servers.push(server);
  return server;
}

function seen(server: FrontServer, method: string, path: RegExp): string[] {
  return server.seen.filter((request) => request.method === method && path.test(request.url)).map((request) => request.url);
}

describe('Quay and GitLab: a config media type off the allow-list refused', () => {
  for (const [registry, status] of [['Quay', 400], ['GitLab', 415]] as const) {
    test(`${registry} (${status}): one line naming the registry and the media type, and --artifact-type pushes an artifact the host pulls`, async () => {
      const server = await front(registries.plain.url, configAllowList(status));
      const repository = uniqueRepository('field/allow-list');
      const refused = await par(['push', `${server.host}/${repository}:v1`, fakepay]);
      expect(refused.status, refused.stderr).toBe(1);
      expect(isOneLineError(refused), refused.stderr).toBe(true);
      expect(refused.stderr).toContain(`registry ${server.host} refused the manifest's config media type application/vnd.wasmcloud.provider.archive.config`);
      expect(refused.stderr).toContain('--artifact-type');
      expect(refused.stderr).toContain('application/vnd.oci.empty.v1+json');

      const pushed = await par(['push', `${server.host}/${repository}:v1`, fakepay, '--artifact-type', 'application/vnd.wasmcloud.provider.archive.layer.v1+par']);
      expect(pushed.status, pushed.stderr).toBe(0);
      const out = join(tempDir(), 'pulled.par.gz');
      const pulled = await par(['pull', `${server.host}/${repository}:v1`, '--destination', out]);
      expect(pulled.status, pulled.stderr).toBe(0);
      expect(sha256(readFileSync(out))).toBe(sha256(readFileSync(fakepay)));
    });
  }
});

describe('Harbor: a cross-repository mount answered 401', () => {
  test('copy within the registry uploads the blobs instead and succeeds (not an auth failure)', async () => {
    const server = await front(registries.token.url, harbor(registries.token.realm, registries.token.service));
    const source = uniqueRepository('field/harbor-src');
    const destination = uniqueRepository('field/harbor-dst');
    expect((await par(['push', `${server.host}/${source}:v1`, fakepay, ...aliceFlags])).status).toBe(0);
    const run = await par(['copy', `${server.host}/${source}:v1`, `${server.host}/${destination}:v1`, ...aliceFlags]);
    expect(run.status, run.stderr).toBe(0);
    expect(seen(server, 'POST', /mount=/).length).toBeGreaterThanOrEqual(1);
    expect(seen(server, 'PUT', new RegExp(`/v2/${destination}/blobs/uploads/`)).length, 'blobs uploaded after the refused mounts').toBe(2);
    const resolved = await par(['resolve', `${registries.token.host}/${destination}:v1`, ...aliceFlags]);
    expect(resolved.status, resolved.stderr).toBe(0);
  });
});

describe('Docker Hub', () => {
  test('a token realm on another host than the registry', async () => {
    const realm = await front(registries.token.realm.replace(/\/token$/, ''), undefined);
    const server = await front(registries.token.url, realmElsewhere(`${realm.url}/token`));
    const repository = uniqueRepository('field/hub-realm');
    const run = await par(['push', `${server.host}/${repository}:v1`, fakepay, ...aliceFlags]);
    expect(run.status, run.stderr).toBe(0);
    expect(realm.seen.length, 'tokens came from the realm host').toBeGreaterThanOrEqual(1);
    expect(realm.seen.every((request) => request.authorization?.startsWith('Basic ')), 'the password went to the realm only').toBe(true);
    expect(server.seen.some((request) => request.authorization?.startsWith('Basic ')), 'the registry host never got the password').toBe(false);
  });

  test('429 with ratelimit headers: a few retries, then one line saying the registry rate-limited and what the limit is', async () => {
    const server = await front(registries.plain.url, dockerHubRateLimit());
    const run = await par(['pull', `${server.host}/library/hello:v1`, '--destination', join(tempDir(), 'x.par.gz')]);
    expect(run.status, run.stderr).toBe(1);
    expect(isOneLineError(run), run.stderr).toBe(true);
    expect(run.stderr).toContain(`registry ${server.host} rate-limited these requests (limit 100 per 6 h, 0 remaining)`);
    const attempts = server.seen.filter((request) => /\/manifests\//.test(request.url)).length;
    expect(attempts, 'retried, within bounds').toBeGreaterThan(1);
    expect(attempts).toBeLessThanOrEqual(5);
  });

  test('429 with a Retry-After beyond the retry budget: no waiting, the time to retry in the message', async () => {
    const server = await front(registries.plain.url, dockerHubRateLimit(3600));
    const started = Date.now();
    const run = await par(['pull', `${server.host}/library/hello:v1`, '--destination', join(tempDir(), 'x.par.gz')]);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/rate-limited these requests .*; retry after \d{4}-\d\d-\d\dT[\d:.]+Z \(in 3600 s\)/);
    expect(server.seen.filter((request) => /\/manifests\//.test(request.url))).toHaveLength(1);
  });
});

describe('ACR: an identity token exchanged with the OAuth2 refresh-token grant', () => {
  const refreshToken = 'acr-refresh-token-5f0c1a';

  async function acrFront(log: TokenEndpointLog): Promise<FrontServer> {
    return front(
      registries.token.url,
      acr({ validRefreshToken: refreshToken, tokenService: registries.token.realm, service: registries.token.service, user: alice }, log),
    );
  }

  /** A HOME whose Docker config holds what `az acr login` writes: user 0000…, an identity token. */
  function homeWithIdentityToken(host: string, token: string): string {
    const home = tempDir('par-home-');
    mkdirSync(join(home, '.docker'), { recursive: true });
    const auth = Buffer.from('00000000-0000-0000-0000-000000000000:').toString('base64');
    writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify({ auths: { [host]: { auth, identitytoken: token } } }));
    return home;
  }

  test('identitytoken in the Docker config: push and pull with tokens from a form POST, the refresh token never shown', async () => {
    const log: TokenEndpointLog = { requests: [] };
    const server = await acrFront(log);
    const repository = uniqueRepository('field/acr');
    const home = homeWithIdentityToken(server.host, refreshToken);
    const pushed = await par(['push', `${server.host}/${repository}:v1`, fakepay, '--debug'], { home });
    expect(pushed.status, pushed.stderr).toBe(0);
    const pulled = await par(['pull', `${server.host}/${repository}:v1`, '--destination', join(tempDir(), 'p.par.gz')], { home });
    expect(pulled.status, pulled.stderr).toBe(0);
    expect(log.requests.length).toBeGreaterThanOrEqual(2);
    expect(log.requests.every((request) => request.method === 'POST' && request.grantType === 'refresh_token' && request.refreshToken === refreshToken)).toBe(true);
    expect(pushed.stdout + pushed.stderr + pulled.stdout + pulled.stderr).not.toContain(refreshToken);
  });

  test('a credential helper answering user 00000000-0000-0000-0000-000000000000: its secret is a refresh token', async () => {
    const log: TokenEndpointLog = { requests: [] };
    const server = await acrFront(log);
    const home = tempDir('par-home-');
    const bin = join(home, 'bin');
    mkdirSync(join(home, '.docker'), { recursive: true });
    mkdirSync(bin);
    writeFileSync(join(bin, 'docker-credential-acr-test'), `#!/bin/sh\necho '{"Username":"00000000-0000-0000-0000-000000000000","Secret":"${refreshToken}"}'\n`);
    chmodSync(join(bin, 'docker-credential-acr-test'), 0o755);
    writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify({ credHelpers: { [server.host]: 'acr-test' } }));
    const run = await par(['push', `${server.host}/${uniqueRepository('field/acr-helper')}:v1`, fakepay], { home, env: { PATH: `${bin}:${process.env['PATH'] ?? ''}` } });
    expect(run.status, run.stderr).toBe(0);
    expect(log.requests.some((request) => request.grantType === 'refresh_token' && request.refreshToken === refreshToken)).toBe(true);
  });

  test('an expired refresh token: exit 3 and one line saying so and how to log in again', async () => {
    const log: TokenEndpointLog = { requests: [] };
    const server = await acrFront(log);
    const home = homeWithIdentityToken(server.host, 'acr-refresh-token-expired');
    const run = await par(['push', `${server.host}/${uniqueRepository('field/acr-expired')}:v1`, fakepay], { home });
    expect(run.status, run.stderr).toBe(3);
    expect(isOneLineError(run), run.stderr).toBe(true);
    expect(run.stderr).toContain('refused the identity (refresh) token');
    expect(run.stderr).toContain('expired or was revoked');
    expect(run.stderr).not.toContain('acr-refresh-token-expired');
    expect(log.requests).toHaveLength(1);
  });
});
