import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from './client.js';
import type { Descriptor } from '../oci/descriptor.js';
import { openContent } from '../content/local-files.js';
import { defaultUploadStrategy, hostUploadRule, type UploadStrategy } from './upload-strategy.js';

describe('defaultUploadStrategy', () => {
  it('knows the registries that need special treatment', () => {
    expect(defaultUploadStrategy('ghcr.io')).toEqual({ mode: 'chunked', chunkSize: 4 * 1024 * 1024 });
    expect(defaultUploadStrategy('123.dkr.ecr.eu-west-1.amazonaws.com').chunkSize).toBeGreaterThanOrEqual(5 * 1024 * 1024);
    // Monolithic is also the default, so only the rule itself shows Artifactory is known.
    expect(hostUploadRule('acme.jfrog.io')).toMatchObject({ profile: { strategy: { mode: 'monolithic' } }, why: expect.stringContaining('Artifactory') });
    expect(hostUploadRule('mycompany-artifactory.example.com')?.profile.strategy).toEqual({ mode: 'monolithic' });
    expect(hostUploadRule('127.0.0.1:5001')).toBeUndefined();
    expect(defaultUploadStrategy('127.0.0.1:5001').mode).toBe('monolithic');
  });
});

describe('openContent', () => {
  it('slices a buffer at the offset asked for', async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of await openContent(new Uint8Array([1, 2, 3, 4, 5]), 2)) chunks.push(chunk as Buffer);
    expect([...Buffer.concat(chunks)]).toEqual([3, 4, 5]);
  });
});

// Upload protocol details against a fake registry (a local HTTP server).
describe('uploads against a fake registry', () => {
  const servers: Server[] = [];
  const clients: RegistryClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  interface FakeOptions {
    /** Answer this status to the n-th PATCH (1-based), without storing it. */
    failPatch?: { n: number; status: number };
    minChunkLength?: number;
  }

  /** Keeps one upload session; records requests as "METHOD path [content-range]". */
  async function fakeRegistry(options: FakeOptions = {}) {
    const log: string[] = [];
    let stored = Buffer.alloc(0);
    let patches = 0;
    let finished: Buffer | undefined;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        const url = new URL(request.url!, 'http://x');
        log.push(`${request.method} ${url.pathname}${request.headers['content-range'] ? ` ${request.headers['content-range']}` : ''}`);
        const range = () => (stored.length > 0 ? { range: `0-${stored.length - 1}` } : {});
        if (request.method === 'POST') {
          stored = Buffer.alloc(0);
          response.writeHead(202, {
            // Relative, with state in the query that must come back.
            location: '/v2/a/b/blobs/uploads/session?_state=abc%3D%3D',
            ...(options.minChunkLength ? { 'oci-chunk-min-length': String(options.minChunkLength) } : {}),
          });
          return response.end();
        }
        if (url.searchParams.get('_state') !== 'abc==') {
          response.writeHead(400);
          return response.end('lost _state');
        }
        if (request.method === 'PATCH') {
          patches++;
          if (options.failPatch?.n === patches) {
            response.writeHead(options.failPatch.status, range());
            return response.end();
          }
          const start = Number(/^(\d+)-/.exec(String(request.headers['content-range']))?.[1]);
          if (start !== stored.length) {
            response.writeHead(416, range());
            return response.end();
          }
          stored = Buffer.concat([stored, body]);
          response.writeHead(202, { location: '/v2/a/b/blobs/uploads/session?_state=abc%3D%3D', ...range() });
          return response.end();
        }
        if (request.method === 'GET') {
          response.writeHead(204, range());
          return response.end();
        }
        if (request.method === 'PUT') {
          finished = Buffer.concat([stored, body]);
          response.writeHead(201);
          return response.end();
        }
        response.writeHead(204);
        response.end();
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, log, finished: () => finished };
  }

  const blob = randomBytes(100_000);
  const descriptor: Descriptor = {
    mediaType: 'application/octet-stream',
    digest: `sha256:${createHash('sha256').update(blob).digest('hex')}`,
    size: blob.length,
  };

  function clientFor(host: string, strategy: UploadStrategy): RegistryClient {
    const client = new RegistryClient({ insecure: true, retry: { maxAttempts: 1 }, uploadStrategy: { [host]: strategy } });
    clients.push(client);
    return client;
  }

  it('sends inclusive Content-Range chunks, keeps the Location query, and finishes with PUT ?digest=', async () => {
    const fake = await fakeRegistry();
    const client = clientFor(fake.host, { mode: 'chunked', chunkSize: 40_000 });
    await client.repository({ registry: fake.host, repository: 'a/b' }).push(descriptor, blob);
    expect(fake.log).toEqual([
      'POST /v2/a/b/blobs/uploads/',
      'PATCH /v2/a/b/blobs/uploads/session 0-39999',
      'PATCH /v2/a/b/blobs/uploads/session 40000-79999',
      'PATCH /v2/a/b/blobs/uploads/session 80000-99999',
      'PUT /v2/a/b/blobs/uploads/session',
      // After the commit, what the registry holds is checked (Artifactory kept only the last chunk).
      `HEAD /v2/a/b/blobs/${descriptor.digest}`,
    ]);
    expect(fake.finished()?.equals(blob)).toBe(true);
  });

  it('resumes from the registry’s Range after a 416', async () => {
    const fake = await fakeRegistry({ failPatch: { n: 2, status: 416 } });
    const client = clientFor(fake.host, { mode: 'chunked', chunkSize: 40_000 });
    await client.repository({ registry: fake.host, repository: 'a/b' }).push(descriptor, async (offset) => Readable.from([blob.subarray(offset)]));
    expect(fake.log).toContain('GET /v2/a/b/blobs/uploads/session');
    expect(fake.finished()?.equals(blob)).toBe(true);
  });

  it('raises the chunk size to OCI-Chunk-Min-Length', async () => {
    const fake = await fakeRegistry({ minChunkLength: 60_000 });
    const client = clientFor(fake.host, { mode: 'chunked', chunkSize: 10_000 });
    await client.repository({ registry: fake.host, repository: 'a/b' }).push(descriptor, blob);
    expect(fake.log.filter((line) => line.startsWith('PATCH'))).toEqual([
      'PATCH /v2/a/b/blobs/uploads/session 0-59999',
      'PATCH /v2/a/b/blobs/uploads/session 60000-99999',
    ]);
  });

  it('falls back to a monolithic upload when chunks are refused, cancelling the failed session', async () => {
    const fake = await fakeRegistry({ failPatch: { n: 1, status: 405 } });
    const client = clientFor(fake.host, { mode: 'chunked', chunkSize: 40_000 });
    await client.repository({ registry: fake.host, repository: 'a/b' }).push(descriptor, blob);
    expect(fake.log).toEqual([
      'POST /v2/a/b/blobs/uploads/',
      'PATCH /v2/a/b/blobs/uploads/session 0-39999',
      'DELETE /v2/a/b/blobs/uploads/session',
      'POST /v2/a/b/blobs/uploads/',
      'PUT /v2/a/b/blobs/uploads/session',
      `HEAD /v2/a/b/blobs/${descriptor.digest}`,
    ]);
    expect(fake.finished()?.equals(blob)).toBe(true);
    expect(client.uploadStrategy(fake.host).mode).toBe('monolithic');
  });
});

describe('UploadStrategies (per-host profiles, learned)', () => {
  it('keeps chunks under a learned PATCH cap and goes monolithic for a host that refused PATCH', async () => {
    const { UploadStrategies } = await import('./upload-strategy.js');
    const table = new UploadStrategies({ '127.0.0.1:5001': { mode: 'chunked', chunkSize: 8 * 1024 * 1024 } });
    expect(table.for('127.0.0.1:5001')).toEqual({ mode: 'chunked', chunkSize: 8 * 1024 * 1024 });
    table.learn('127.0.0.1:5001', { maxPatchBytes: 4 * 1024 * 1024 });
    expect(table.for('127.0.0.1:5001')).toEqual({ mode: 'chunked', chunkSize: 4 * 1024 * 1024 });
    table.learn('127.0.0.1:5001', { monolithicOnly: true });
    expect(table.for('127.0.0.1:5001')).toEqual({ mode: 'monolithic' });
    // Other hosts keep their own profile; docker.io is looked up as its API host.
    expect(table.for('127.0.0.1:5002')).toEqual({ mode: 'monolithic' });
    expect(table.profile('ghcr.io').maxPatchBytes).toBe(4 * 1024 * 1024);
    table.learn('docker.io', { monolithicOnly: true });
    expect(table.profile('registry-1.docker.io').monolithicOnly).toBe(true);
  });
});
