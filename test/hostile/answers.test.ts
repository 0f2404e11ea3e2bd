// What a server answers is read with bounds and checked before use: capped bodies, pagination that
// ends, tags that are tags, header values that are what they claim, JSON that is JSON.
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { endless, type FrontServer, type Intercept } from '../support/front-server.js';
import { fixture, isOneLineError, par, tempDir, type ParRun } from '../support/par.js';
import { closedAfterEach, frontServers, timed } from '../support/servers.js';

useRegistries(['plain']);

const servers = closedAfterEach<FrontServer>();
const MiB = 1024 * 1024;

const front = frontServers(servers);

function expectRefused(run: ParRun & { seconds: number }, message: string | RegExp, status = 1): void {
  expect(run.status, run.stderr).toBe(status);
  expect(isOneLineError(run), run.stderr).toBe(true);
  if (typeof message === 'string') expect(run.stderr).toContain(message);
  else expect(run.stderr).toMatch(message);
  expect(run.stdout).toBe('');
  expect(run.seconds, run.stderr).toBeLessThan(20);
}

/** A tags endpoint answering as `answer` says; everything else proxied to the plain registry. */
async function tagsServer(answer: Intercept, maxRequests = 20): Promise<FrontServer> {
  return front({ upstream: registries.plain.url, maxRequests, intercept: (request, response, self) => request.url!.includes('/tags/list') && answer(request, response, self) });
}

describe('every answer read into memory has a cap', () => {
  test('an endless token answer is refused at 128 KiB, not read to gigabytes', async () => {
    let sent: Promise<number> | undefined;
    const server = await front({
      maxRequests: 20,
      intercept: (request, response, self) => {
        if (request.url!.startsWith('/token')) {
          sent = endless(response, 200, { 'content-type': 'application/json' }, '{"token":"', 'a'.repeat(64 * 1024), 256 * MiB);
          return true;
        }
        response.writeHead(401, { 'www-authenticate': `Bearer realm="${self.url}/token",service="x"` }).end();
        return true;
      },
    });
    const run = await timed(par(['resolve', `${server.host}/repo:1`]));
    expectRefused(run, `fetch token from ${server.url}/token: the token answer is larger than 131072 bytes; refused`);
    expect(await sent, 'par kept reading the endless answer').toBeLessThan(32 * MiB);
  });

  test('an endless tags page is refused at 4 MiB', async () => {
    let sent: Promise<number> | undefined;
    const server = await tagsServer((request, response) => {
      sent = endless(response, 200, { 'content-type': 'application/json' }, '{"name":"r","tags":["a"', ',"a"'.repeat(16 * 1024), 512 * MiB);
      return true;
    });
    const run = await timed(par(['tags', `${server.host}/repo`]));
    expectRefused(run, `list tags of ${server.host}/repo: the tags page is larger than 4194304 bytes; refused`);
    expect(await sent).toBeLessThan(64 * MiB);
  });

  test('an endless error body: the status is reported after reading at most a little of it', async () => {
    let sent: Promise<number> | undefined;
    const server = await front({
      maxRequests: 20,
      intercept: (request, response) => {
        sent = endless(response, 400, { 'content-type': 'text/plain' }, 'bad ', 'x'.repeat(64 * 1024), 512 * MiB);
        return true;
      },
    });
    const run = await timed(par(['tags', `${server.host}/repo`]));
    expectRefused(run, `list tags of ${server.host}/repo: 400 Bad Request`);
    expect(await sent).toBeLessThan(64 * MiB);
  });

  test('a 50 MB manifest is refused at 4 MiB (still holds)', async () => {
    let sent: Promise<number> | undefined;
    const server = await front({
      maxRequests: 20,
      intercept: (request, response) => {
        if (request.method === 'HEAD') return (response.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(), true);
        sent = endless(response, 200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, '{"schemaVersion":2,', ' '.repeat(64 * 1024), 50 * 1000 * 1000);
        return true;
      },
    });
    const run = await timed(par(['pull', `${server.host}/repo:1`, '--destination', join(tempDir(), 'p.par')]));
    expectRefused(run, `fetch manifest ${server.host}/repo:1: the manifest is larger than 4194304 bytes; refused`);
    expect(await sent).toBeLessThan(48 * MiB);
  });
});

describe('pagination ends', () => {
  test('a tags Link pointing to itself: stopped at the repeated URL, one request', async () => {
    const server = await tagsServer((request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', link: `<${request.url}>; rel="next"` }).end('{"name":"repo","tags":["a"]}');
      return true;
    });
    const run = await timed(par(['tags', `${server.host}/repo`]));
    expectRefused(run, `list tags of ${server.host}/repo: the registry's next-page Link points back to a page already read (${server.url}/v2/repo/tags/list); stopped`);
    expect(server.seen.filter((seen) => seen.url.includes('/tags/list'))).toHaveLength(1);
  });

  test('a tags Link that loops over two pages: stopped when the first comes round again', async () => {
    const server = await tagsServer((request, response) => {
      const next = request.url!.includes('last=b') ? '/v2/repo/tags/list?n=1000' : '/v2/repo/tags/list?last=b&n=1000';
      response.writeHead(200, { 'content-type': 'application/json', link: `<${next}>; rel="next"` }).end('{"name":"repo","tags":["b"]}');
      return true;
    });
    const run = await timed(par(['tags', `${server.host}/repo`]));
    expectRefused(run, 'points back to a page already read');
    expect(server.seen.filter((seen) => seen.url.includes('/tags/list'))).toHaveLength(2);
  });

  test('a tags Link to ever new pages: capped at 1,000 pages', async () => {
    const server = await tagsServer((request, response) => {
      const page = Number(new URL(request.url!, 'http://x').searchParams.get('last') ?? '0') + 1;
      response
        .writeHead(200, { 'content-type': 'application/json', link: `</v2/repo/tags/list?last=${page}&n=1000>; rel="next"` })
        .end(`{"name":"repo","tags":["t${page}"]}`);
      return true;
    }, 1100);
    const run = await timed(par(['tags', `${server.host}/repo`]));
    expectRefused(run, `list tags of ${server.host}/repo: more than 1000 pages of tags; stopped`);
    expect(server.seen.filter((seen) => seen.url.includes('/tags/list'))).toHaveLength(1000);
  });
});

describe('tags are tags', () => {
  test('{"tags":"oops"} is an error, not the letters o o p s', async () => {
    const server = await tagsServer((request, response) => (response.writeHead(200, { 'content-type': 'application/json' }).end('{"tags":"oops"}'), true));
    const run = await timed(par(['tags', `${server.host}/repo`]));
    expectRefused(run, `list tags of ${server.host}/repo: the registry answered "tags" as string, not a list`);
  });

  test.each([
    ['an escape sequence', '\u001b[31mred\u001b[0m', String.raw`"\u001b[31mred\u001b[0m"`],
    ['a path', '../../etc/passwd', '"../../etc/passwd"'],
    ['300 characters', 'x'.repeat(300), `"${'x'.repeat(140)}"`],
    ['a number', 7, 'a number'],
  ])('a listed tag that is %s is refused, shown escaped', async (_name, tag, shown) => {
    const server = await tagsServer((request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'repo', tags: ['ok', tag] }));
      return true;
    });
    const run = await timed(par(['tags', `${server.host}/repo`]));
    expectRefused(run, `list tags of ${server.host}/repo: the registry listed ${shown}, which is not a valid tag`);
    expect(run.stderr).not.toContain('\u001b');
  });
});

describe('header values are checked', () => {
  test('Docker-Content-Digest: sha256:../../x is refused, naming the registry as its source', async () => {
    const repository = uniqueRepository('hostile/digest-header');
    expect((await par(['push', `${registries.plain.host}/${repository}:1`, fixture('wash/fakepay.par.gz')])).status).toBe(0);
    const server = await front({
      upstream: registries.plain.url,
      maxRequests: 20,
      intercept: (request, response) => {
        if (!request.url!.includes('/manifests/')) return false;
        response.writeHead(200, { 'docker-content-digest': 'sha256:../../x', 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-length': '500' });
        response.end(request.method === 'HEAD' ? undefined : '{}');
        return true;
      },
    });
    const run = await timed(par(['resolve', `${server.host}/${repository}:1`]));
    expectRefused(run, `resolve ${server.host}/${repository}:1: the registry sent an invalid Docker-Content-Digest header "sha256:../../x"; refused`);
  });

  test('a lying Docker-Content-Digest on the manifest GET is refused (still holds)', async () => {
    const repository = uniqueRepository('hostile/lying-digest');
    expect((await par(['push', `${registries.plain.host}/${repository}:1`, fixture('wash/fakepay.par.gz')])).status).toBe(0);
    const server = await front({
      upstream: registries.plain.url,
      maxRequests: 20,
      intercept: (request, response) => {
        if (request.method !== 'GET' || !request.url!.includes('/manifests/')) return false;
        response.writeHead(200, { 'docker-content-digest': `sha256:${'0'.repeat(64)}`, 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
        response.end('{"schemaVersion":2}');
        return true;
      },
    });
    const run = await timed(par(['pull', `${server.host}/${repository}:1`, '--destination', join(tempDir(), 'p.par')]));
    expectRefused(run, `does not match its digest sha256:${'0'.repeat(64)}`, 4);
  });
});

describe('JSON that is not JSON is named as such', () => {
  test('an HTML page where a tags list was expected', async () => {
    const server = await tagsServer((request, response) => (response.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html><body>Sign in</body></html>'), true));
    const run = await timed(par(['tags', `${server.host}/repo`]));
    expectRefused(run, `list tags of ${server.host}/repo: registry ${server.host} answered an HTML page, not JSON (HTTP 200), where JSON was expected`);
  });

  test('an HTML page from the token service', async () => {
    const server = await front({
      maxRequests: 20,
      intercept: (request, response, self) => {
        if (request.url!.startsWith('/token')) return (response.writeHead(200, { 'content-type': 'text/html' }).end('<html>proxy login</html>'), true);
        response.writeHead(401, { 'www-authenticate': `Bearer realm="${self.url}/token",service="x"` }).end();
        return true;
      },
    });
    const run = await timed(par(['resolve', `${server.host}/repo:1`]));
    expectRefused(run, `fetch token from ${server.url}/token: token service ${server.host} answered an HTML page, not JSON (HTTP 200), where JSON was expected`);
  });

  test('an HTML error page says so with its status', async () => {
    const server = await front({ maxRequests: 20, intercept: (request, response) => (response.writeHead(403, { 'content-type': 'text/html' }).end('<html><body>Forbidden by proxy</body></html>'), true) });
    const run = await timed(par(['tags', `${server.host}/repo`]));
    expectRefused(run, `list tags of ${server.host}/repo: 403 Forbidden (an HTML page, not a registry error)`, 3);
  });
});
