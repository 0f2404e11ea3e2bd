// Blob downloads against a fake registry (a local HTTP server) that misbehaves on purpose.
import { createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { RegistryClient } from './client.js';
import type { Descriptor } from '../oci/descriptor.js';
import { fakeServers, readAll } from '../test-support.js';

const { serve, track } = fakeServers();

function client(options: ConstructorParameters<typeof RegistryClient>[0] = {}): RegistryClient {
  return track(new RegistryClient({ insecure: true, retry: { maxAttempts: 1 }, ...options }));
}

const blob = randomBytes(256 * 1024);
const descriptor: Descriptor = {
  mediaType: 'application/octet-stream',
  digest: `sha256:${createHash('sha256').update(blob).digest('hex')}`,
  size: blob.length,
};

/** Sends the first `cut` bytes with a full Content-Length, then drops the connection. */
function sendCut(response: ServerResponse, body: Buffer, cut: number): void {
  response.writeHead(200, { 'content-length': String(body.length) });
  response.write(body.subarray(0, cut), () => response.socket?.destroy());
}

describe('blob download', () => {
  it('resumes with Range after a dropped connection when the registry answers 206', async () => {
    const ranges: (string | undefined)[] = [];
    const host = await serve((request, response) => {
      ranges.push(request.headers.range);
      const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
      if (!range) return sendCut(response, blob, 100_000);
      const start = Number(range[1]);
      response.writeHead(206, { 'content-range': `bytes ${start}-${blob.length - 1}/${blob.length}`, 'content-length': String(blob.length - start) });
      response.end(blob.subarray(start));
    });
    const repo = client().repository({ registry: host, repository: 'a/b' });
    expect((await readAll(await repo.fetch(descriptor))).equals(blob)).toBe(true);
    expect(ranges[0]).toBeUndefined();
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
  });

  it('restarts and skips what it already has when the registry ignores Range', async () => {
    let requests = 0;
    const host = await serve((_request, response) => {
      requests++;
      if (requests === 1) return sendCut(response, blob, 50_000);
      response.writeHead(200, { 'content-length': String(blob.length) });
      response.end(blob);
    });
    const repo = client().repository({ registry: host, repository: 'a/b' });
    expect((await readAll(await repo.fetch(descriptor))).equals(blob)).toBe(true);
    expect(requests).toBe(2);
  });

  it('fails with kind verification when the bytes do not match the digest', async () => {
    const host = await serve((_request, response) => {
      const corrupted = Buffer.from(blob);
      corrupted[1000] = corrupted[1000]! ^ 0xff;
      response.writeHead(200, { 'content-length': String(corrupted.length) });
      response.end(corrupted);
    });
    const repo = client().repository({ registry: host, repository: 'a/b' });
    await expect(readAll(await repo.fetch(descriptor))).rejects.toMatchObject({ kind: 'verification' });
  });

  it('leaves the digest to the consumer when asked (a registry upload checks it), but still checks the size', async () => {
    const corrupted = Buffer.from(blob);
    corrupted[1000] = corrupted[1000]! ^ 0xff;
    const host = await serve((request, response) => {
      const body = request.url?.includes('short') ? corrupted.subarray(1) : corrupted;
      response.writeHead(200, { 'content-length': String(body.length) });
      response.end(body);
    });
    const repo = client().repository({ registry: host, repository: 'a/b' });
    const passed = await readAll(await repo.fetch(descriptor, { digestCheckedDownstream: true }));
    expect(passed.equals(corrupted)).toBe(true);
    const short = client().repository({ registry: host, repository: 'short/b' });
    await expect(readAll(await short.fetch(descriptor, { digestCheckedDownstream: true }))).rejects.toMatchObject({ kind: 'verification' });
  });

  it('follows a redirect to storage without sending the Authorization header there', async () => {
    const storageAuthorization: (string | undefined)[] = [];
    const storage = await serve((request, response) => {
      storageAuthorization.push(request.headers.authorization);
      response.writeHead(200, { 'content-length': String(blob.length) });
      response.end(blob);
    });
    const registry = await serve((request, response) => {
      if (request.headers.authorization !== `Basic ${Buffer.from('u:p').toString('base64')}`) {
        response.writeHead(401, { 'www-authenticate': 'Basic realm="test"' });
        return response.end();
      }
      response.writeHead(307, { location: `http://${storage.replace('127.0.0.1', 'localhost')}/blob?signature=x` });
      response.end();
    });
    const repo = client({ credentials: async () => ({ username: 'u', password: 'p' }) }).repository({ registry, repository: 'a/b' });
    expect((await readAll(await repo.fetch(descriptor))).equals(blob)).toBe(true);
    expect(storageAuthorization).toEqual([undefined]);
  });
});
