// How a registry repository finds and updates referrers, against fake registries: the paths the
// real ones in test/ do not take (paging, a registry that ignores the filter, a login page, NAME_UNKNOWN).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { RegistryClient } from './client.js';
import { fakeServers } from '../test-support.js';

const { serve, track } = fakeServers();
const INDEX = 'application/vnd.oci.image.index.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const subject = { mediaType: MANIFEST, digest: `sha256:${'a'.repeat(64)}`, size: 1 };
const referrer = (n: number, artifactType: string) => ({ mediaType: MANIFEST, digest: `sha256:${String(n).repeat(64)}`, size: n, artifactType });

function index(response: ServerResponse, manifests: unknown[], headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests });
  response.writeHead(200, { 'content-type': INDEX, ...headers }).end(body);
}

async function repository(handler: (request: IncomingMessage, response: ServerResponse) => void) {
  const host = await serve(handler);
  const client = track(new RegistryClient({ insecure: true, retry: { minDelayMs: 1, maxDelayMs: 5 }, referrers: { recheckDelayMs: 1 } }));
  return client.repository({ registry: host, repository: 'app' });
}

describe('referrers through the API', () => {
  it('follows Link pages and filters itself when the registry did not (no OCI-Filters-Applied)', async () => {
    const asked: string[] = [];
    const repo = await repository((request, response) => {
      asked.push(request.url!);
      if (request.url!.includes('page=2')) return index(response, [referrer(2, 'application/spdx+json')]);
      index(response, [referrer(1, 'application/vnd.cncf.notary.signature')], { link: `</v2/app/referrers/${subject.digest}?page=2>; rel="next"` });
    });
    expect(await repo.referrers.list(subject)).toEqual([referrer(1, 'application/vnd.cncf.notary.signature'), referrer(2, 'application/spdx+json')]);
    expect(await repo.referrers.list(subject, { artifactType: 'application/spdx+json' })).toEqual([referrer(2, 'application/spdx+json')]);
    expect(asked[2]).toBe(`/v2/app/referrers/${subject.digest}?artifactType=application%2Fspdx%2Bjson`);
    expect(repo.referrers.mode).toBe('api');
    // With the API, indexing is the registry's business: no request at all.
    const before = asked.length;
    expect(await repo.referrers.index(subject, [referrer(3, 'x/y')])).toBe('api');
    expect(asked.length).toBe(before);
  });

  it('NAME_UNKNOWN from the API is an empty list, not a reason to give up the API', async () => {
    const repo = await repository((_request, response) => {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known"}]}');
    });
    expect(await repo.referrers.list(subject)).toEqual([]);
    expect(repo.referrers.mode).toBeUndefined();
  });
});

describe('referrers through the fallback tag', () => {
  it('a referrers URL answering with a login page counts as no API: the tag is read', async () => {
    const repo = await repository((request, response) => {
      if (request.url!.includes('/referrers/')) return void response.writeHead(200, { 'content-type': 'text/html' }).end('<html>sign in</html>');
      if (request.url === `/v2/app/manifests/sha256-${'a'.repeat(64)}`) return index(response, [referrer(4, 'application/spdx+json')]);
      response.writeHead(404).end();
    });
    expect(await repo.referrers.list(subject)).toEqual([referrer(4, 'application/spdx+json')]);
    expect(repo.referrers.mode).toBe('tag');
  });

  it('merges into the existing index, writes it with If-Match on its ETag, and re-reads it', async () => {
    let stored = JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: [referrer(5, 'a/b')] });
    const seen: { method: string; url: string; ifMatch?: string }[] = [];
    const repo = await repository((request, response) => {
      seen.push({ method: request.method!, url: request.url!, ...(request.headers['if-match'] ? { ifMatch: String(request.headers['if-match']) } : {}) });
      if (request.url!.includes('/referrers/')) return void response.writeHead(404).end('404 page not found');
      if (request.method === 'GET') return void response.writeHead(200, { 'content-type': INDEX, etag: '"v1"' }).end(stored);
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        stored = body;
        response.writeHead(201).end();
      });
    });
    expect(await repo.referrers.index(subject, [referrer(6, 'c/d')])).toBe('tag');
    expect((JSON.parse(stored) as { manifests: unknown[] }).manifests).toEqual([referrer(5, 'a/b'), referrer(6, 'c/d')]);
    expect(seen.map((s) => s.method)).toEqual(['GET', 'GET', 'PUT', 'GET']);
    expect(seen[2]!.ifMatch).toBe('"v1"');
  });
});
