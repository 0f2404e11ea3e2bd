// A wide index does not fan out at once: its children's manifests are fetched within the copy's
// concurrency limit, and the first failure stops every fetch not yet started.
import { createHash } from 'node:crypto';
import { afterEach, expect, test } from 'vitest';
import { registries, uniqueRepository } from '../registries/endpoints.js';
import { useRegistries } from '../registries/ensure-running.js';
import { startFrontServer, type FrontServer } from '../support/front-server.js';
import { isOneLineError, par } from '../support/par.js';

useRegistries(['plain']);

const CHILDREN = 2000;
/** The child that answers 404: early, so everything after it must never be asked for. */
const FAILING = 100;
/** The copy's default number of transfers in flight. */
const CONCURRENCY = 3;
const EMPTY = { mediaType: 'application/vnd.oci.empty.v1+json', digest: `sha256:${sha256('{}')}`, size: 2 };

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

let server: FrontServer | undefined;
afterEach(async () => {
  await server?.close();
});

test('an index of 2,000 children: at most 3 manifest fetches in flight, none started after the first failure', async () => {
  const children = Array.from({ length: CHILDREN }, (_, i) =>
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: EMPTY, layers: [], annotations: { child: String(i) } }),
  );
  const childDigests = children.map((child) => `sha256:${sha256(child)}`);
  const byDigest = new Map(childDigests.map((digest, i) => [digest, i]));
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: children.map((child, i) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: childDigests[i], size: child.length })),
  });
  const indexDigest = `sha256:${sha256(index)}`;
  let inFlight = 0;
  let maxInFlight = 0;
  const asked: number[] = [];
  let failedAt: number | undefined;
  const askedAfterFailure: number[] = [];
  server = await startFrontServer({
    maxRequests: CHILDREN + 100,
    intercept: (request, response) => {
      const url = request.url!;
      if (url.includes('/tags/list')) return (response.writeHead(200, { 'content-type': 'application/json' }).end('{"name":"wide","tags":["1"]}'), true);
      if (url.includes(`/blobs/${EMPTY.digest}`)) return (response.writeHead(200, { 'content-length': '2' }).end(request.method === 'HEAD' ? undefined : '{}'), true);
      const reference = /\/manifests\/(.+)$/.exec(url)?.[1];
      if (reference === '1' || reference === indexDigest) {
        response.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json', 'docker-content-digest': indexDigest, 'content-length': String(index.length) });
        response.end(request.method === 'HEAD' ? undefined : index);
        return true;
      }
      const child = reference === undefined ? undefined : byDigest.get(reference);
      if (child === undefined) return (response.writeHead(404).end(), true);
      asked.push(child);
      if (failedAt !== undefined) askedAfterFailure.push(child);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        if (child === FAILING) {
          failedAt = Date.now();
          response.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
          return;
        }
        response.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': reference! });
        response.end(children[child]);
      }, 10);
      return true;
    },
  });
  const destination = `${registries.plain.host}/${uniqueRepository('hostile/wide')}:1`;
  const started = Date.now();
  const run = await par(['copy', `${server.host}/wide:1`, destination]);
  const seconds = (Date.now() - started) / 1000;

  expect(run.status, run.stderr).toBe(2);
  expect(isOneLineError(run), run.stderr).toBe(true);
  expect(run.stderr).toContain(`no manifest ${childDigests[FAILING]}`);
  expect(seconds, run.stderr).toBeLessThan(30);
  expect(maxInFlight, 'manifest fetches in flight at once').toBeLessThanOrEqual(CONCURRENCY);
  // Children are walked in order: those before the failing one, plus the ones already in flight.
  expect(asked.length, `children asked for: ${asked.length}`).toBeLessThanOrEqual(FAILING + CONCURRENCY);
  expect(askedAfterFailure.length, `children asked for after the failure: ${askedAfterFailure.join(', ')}`).toBeLessThanOrEqual(CONCURRENCY - 1);
});
