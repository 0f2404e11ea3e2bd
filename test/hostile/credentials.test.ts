// Credentials go to the registry's own host and nowhere else: not to a storage redirect, an upload
// Location or a tags Link on another host, and never in clear to a token realm over plain HTTP.
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { askForOwnCredentials, type FrontServer } from '../support/front-server.js';
import { fixture, isOneLineError, tempDir } from '../support/par.js';
import { parNoSecrets as par } from '../support/registry-cli.js';
import { closedAfterEach, frontServers } from '../support/servers.js';

useRegistries(['plain', 'basic']);

const fakepay = fixture('wash/fakepay.par.gz');
const user = ['-u', registries.basic.user, '-p', registries.basic.password];
const servers = closedAfterEach<FrontServer>();

const start = frontServers(servers);

/** A storage host that wants credentials of its own: it must never be given the registry's. */
function foreignStorage(): Promise<FrontServer> {
  return start({ intercept: (request, response, self) => askForOwnCredentials(response, self), maxRequests: 20 });
}

function expectRefusedForeignHost(run: { status: number; stderr: string; stdout: string }, storage: FrontServer, front: FrontServer): void {
  expect(run.status, run.stderr).toBe(1);
  expect(isOneLineError(run), run.stderr).toBe(true);
  expect(run.stderr).toContain(`${storage.host} (not the registry ${front.host}) answered 401`);
  const asked = storage.seen.map((seen) => `${seen.method} ${seen.url}`);
  expect(new Set(asked).size, `the storage host is asked once per request, not retried: ${asked.join(', ')}`).toBe(asked.length);
  expect(storage.seen.every((seen) => seen.authorization === undefined), 'the storage host got an Authorization header').toBe(true);
  expect(front.seen.some((seen) => seen.authorization?.startsWith('Bearer')), 'the registry got the storage host\'s token').toBe(false);
}

describe('a 401 from another host than the registry', () => {
  test('a blob redirect to a storage host that asks for credentials: pull fails naming that host, nothing sent to it', async () => {
    const repository = uniqueRepository('hostile/redirect');
    expect((await par(['push', `${registries.plain.host}/${repository}:1`, fakepay])).status).toBe(0);
    const storage = await foreignStorage();
    const front = await start({
      upstream: registries.plain.url,
      intercept: (request, response) => {
        if (request.method !== 'GET' || !request.url?.includes('/blobs/sha256:')) return false;
        response.writeHead(307, { location: `${storage.url}/storage${request.url}` }).end();
        return true;
      },
    });
    const out = tempDir();
    const run = await par(['pull', `${front.host}/${repository}:1`, '--destination', join(out, 'p.par'), ...user]);
    expectRefusedForeignHost(run, storage, front);
  });

  test('an upload Location on another host that asks for credentials: push fails naming that host, nothing sent to it', async () => {
    const repository = uniqueRepository('hostile/location');
    const storage = await foreignStorage();
    let sessions = 0;
    const front = await start({
      upstream: registries.plain.url,
      intercept: (request, response) => {
        if (request.method !== 'POST' || !request.url?.includes('/blobs/uploads/')) return false;
        const session = `session-${++sessions}`;
        response.writeHead(202, { location: `${storage.url}/upload/${session}`, 'docker-upload-uuid': session, range: '0-0' }).end();
        return true;
      },
    });
    const run = await par(['push', `${front.host}/${repository}:1`, fakepay, ...user]);
    expectRefusedForeignHost(run, storage, front);
  });

  test('a tags Link to another host that asks for credentials: tags fails naming that host, nothing sent to it', async () => {
    const repository = uniqueRepository('hostile/link');
    const storage = await foreignStorage();
    const front = await start({
      upstream: registries.plain.url,
      intercept: (request, response) => {
        if (!request.url?.includes('/tags/list')) return false;
        response
          .writeHead(200, { 'content-type': 'application/json', link: `<${storage.url}/v2/${repository}/tags/list?last=a>; rel="next"` })
          .end(JSON.stringify({ name: repository, tags: ['a'] }));
        return true;
      },
    });
    const run = await par(['tags', `${front.host}/${repository}`, ...user]);
    expectRefusedForeignHost(run, storage, front);
  });
});

describe('a token realm over plain HTTP', () => {
  test('an https registry whose realm is http:// gets no password: refused in one line, the realm never contacted', async () => {
    const realm = await start({ intercept: (request, response) => (response.writeHead(200).end('{"token":"t"}'), true) });
    const front = await start({
      tls: true,
      intercept: (request, response) => {
        response.writeHead(401, { 'www-authenticate': `Bearer realm="${realm.url}/token",service="x"` }).end();
        return true;
      },
    });
    const run = await par(['resolve', `${front.host}/repo:1`, '--ca-file', registries.basic.caFile, ...user]);
    expect(run.status, run.stderr).toBe(1);
    expect(isOneLineError(run), run.stderr).toBe(true);
    expect(run.stderr).toContain(`to http://${realm.host} in clear; refused`);
    expect(realm.seen, 'the plain-HTTP realm was contacted').toEqual([]);
  });

  test('the same realm is used when the user opted into plain HTTP: the token is fetched from it', async () => {
    const realm = await start({
      intercept: (request, response) => (response.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"t"}'), true),
    });
    const front = await start({
      intercept: (request, response) => {
        if (request.headers.authorization === 'Bearer t') return (response.writeHead(404).end(), true);
        response.writeHead(401, { 'www-authenticate': `Bearer realm="${realm.url}/token",service="x"` }).end();
        return true;
      },
    });
    const run = await par(['resolve', `${front.host}/repo:1`, '--insecure', ...user]);
    expect(realm.seen.length, run.stderr).toBe(1);
    expect(realm.seen[0]!.authorization).toMatch(/^Basic /);
    expect(front.seen.at(-1)!.authorization).toBe('Bearer t');
  });
});
