// Credentials are never echoed: not from a URL with userinfo given to pull, copy, login, tags or
// --registry, not when a registry quotes our Authorization header back in its error. And a login
// that the registry never checked does not claim to have succeeded.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { registries } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { startFrontServer, type FrontServer } from '../support/front-server.js';
import { isOneLineError, par, tempDir, type ParRun } from '../support/par.js';

useRegistries(['plain']);

const PASSWORD = 'S3cret-Passw0rd-77';
const servers: FrontServer[] = [];
afterAll(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(...args: Parameters<typeof startFrontServer>): Promise<FrontServer> {
  const server = await startFrontServer(...args);
  servers.push(server);
  return server;
}

function expectNoSecret(run: ParRun, ...secrets: string[]): void {
  const output = run.stdout + run.stderr;
  for (const secret of [PASSWORD, Buffer.from(`user:${PASSWORD}`).toString('base64'), ...secrets]) {
    expect(output, 'a credential shows in the output').not.toContain(secret);
  }
}

const url = `https://user:${PASSWORD}@${registries.plain.host}`;

describe.concurrent('userinfo in what the user typed is redacted', () => {
  const cases: [string, string[]][] = [
    ['pull', ['pull', `${url}/repo:1`]],
    ['copy', ['copy', `${url}/repo:1`, `${registries.plain.host}/other:1`]],
    ['login', ['login', url, '-u', 'user', '-p', 'x']],
    ['tags', ['tags', `${url}/repo`]],
    ['--registry', ['pull', 'repo:1', '--registry', url]],
    ['without a scheme', ['pull', `user:${PASSWORD}@${registries.plain.host}/repo:1`]],
  ];
  for (const [label, args] of cases) {
    test(`${label}: one line, the password replaced by [redacted]`, async () => {
      const dir = tempDir();
      const run = await par(args, { cwd: dir });
      expect(run.status, run.stderr).not.toBe(0);
      expect(isOneLineError(run), run.stderr).toBe(true);
      expectNoSecret(run);
      expect(run.stderr).toContain('[redacted]');
    });
  }
});

describe.concurrent('a registry that quotes our credentials back', () => {
  test('a Basic Authorization header quoted in the error body is redacted', async () => {
    const front = await start({
      maxRequests: 20,
      intercept: (request, response) => {
        if (!request.headers.authorization) {
          response.writeHead(401, { 'www-authenticate': 'Basic realm="quoting"' }).end();
          return true;
        }
        const quoted = `rejected Authorization: ${request.headers.authorization}; raw header was ${request.headers.authorization}; password ${PASSWORD}`;
        response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'DENIED', message: quoted }] }));
        return true;
      },
    });
    const run = await par(['pull', `${front.host}/repo:1`, '-u', 'user', '-p', PASSWORD, '--destination', join(tempDir(), 'x.par.gz')]);
    expect(run.status, run.stderr).toBe(3);
    expect(isOneLineError(run), run.stderr).toBe(true);
    expect(front.seen.some((seen) => seen.authorization?.startsWith('Basic ')), 'the registry never got the credentials').toBe(true);
    expectNoSecret(run);
    expect(run.stderr).toContain('rejected Authorization: [redacted]');
  });

  test('a Bearer token quoted in the error body is redacted, in text and JSON output', async () => {
    const token = 'tok.ABCdef0123456789.sig';
    const front = await start({
      maxRequests: 20,
      intercept: (request, response, self) => {
        if (request.url?.startsWith('/token')) {
          response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token }));
        } else if (!request.headers.authorization) {
          response.writeHead(401, { 'www-authenticate': `Bearer realm="${self.url}/token",service="quoting"` }).end();
        } else {
          response
            .writeHead(403, { 'content-type': 'application/json' })
            .end(JSON.stringify({ errors: [{ code: 'DENIED', message: `no access for ${request.headers.authorization}` }] }));
        }
        return true;
      },
    });
    for (const output of ['text', 'json']) {
      const run = await par(['pull', `${front.host}/repo:1`, '-u', 'user', '-p', PASSWORD, '--insecure', '-o', output, '--destination', join(tempDir(), 'x.par.gz')]);
      expect(run.status, run.stderr).toBe(3);
      expectNoSecret(run, token);
      expect(run.stderr).toContain('Bearer [redacted]');
    }
  });
});

describe('a login the registry never checked', () => {
  test('GET /v2/ answered 200 with no challenge: stored, and said plainly that nothing was checked', async () => {
    const front = await start({ upstream: registries.plain.url, maxRequests: 20 });
    const home = tempDir('par-home-');
    const run = await par(['login', front.host, '-u', 'user', '-p', PASSWORD], { home });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).not.toContain('Login Succeeded');
    expect(run.stdout).toContain(`NOT checked: ${front.host} answered GET /v2/ without asking for credentials`);
    expectNoSecret(run);
    const config = join(home, '.docker', 'config.json');
    expect(existsSync(config)).toBe(true);
    expect(readFileSync(config, 'utf8')).toContain(front.host);

    const json = await par(['login', front.host, '-u', 'user', '-p', PASSWORD, '-o', 'json'], { home });
    expect(JSON.parse(json.stdout)).toMatchObject({ registry: front.host, verified: false });
  });

  test('a registry that asks and accepts: Login Succeeded, verified', async () => {
    const front = await start({
      maxRequests: 20,
      intercept: (request, response) => {
        if (request.headers.authorization === `Basic ${Buffer.from(`user:${PASSWORD}`).toString('base64')}`) response.writeHead(200).end('{}');
        else response.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
        return true;
      },
    });
    const run = await par(['login', front.host, '-u', 'user', '-p', PASSWORD, '-o', 'json']);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ verified: true });
  });
});
