// The registry client against the real loopback registries (scripts/registry.sh start).
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copy, type Descriptor, RegistryClient, type RegistryClientOptions, RegistryError, type RequestInfo } from '@par/registry';
import { registries, uniqueRepository } from './registries/endpoints.js';
import { ensureRegistriesRunning } from './registries/ensure-running.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

function blobOf(bytes: Uint8Array, mediaType = 'application/octet-stream'): Descriptor {
  return { mediaType, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length };
}

function manifestFor(config: Descriptor, layers: Descriptor[]): { bytes: Uint8Array; descriptor: Descriptor } {
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers }));
  return { bytes, descriptor: blobOf(bytes, OCI_MANIFEST) };
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A client that records every request it makes. */
function recordingClient(options: RegistryClientOptions = {}): { client: RegistryClient; requests: RequestInfo[] } {
  const requests: RequestInfo[] = [];
  const client = new RegistryClient({ ...options, onRequest: (info) => requests.push(info) });
  clients.push(client);
  return { client, requests };
}

const clients: RegistryClient[] = [];
const alice = registries.token.users.alice;
const reader = registries.token.users.reader;

beforeAll(async () => {
  await ensureRegistriesRunning();
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
});

/** Pushes a blob, a config and a manifest, tags it, and reads everything back. */
async function roundTrip(client: RegistryClient, registry: string, repository: string): Promise<void> {
  const repo = client.repository({ registry, repository });
  const layer = randomBytes(200_000);
  const layerDescriptor = blobOf(layer);
  const config = Buffer.from('{}');
  const configDescriptor = blobOf(config, 'application/vnd.wasmcloud.provider.archive.config');
  const manifest = manifestFor(configDescriptor, [layerDescriptor]);

  expect(await repo.exists(layerDescriptor)).toBe(false);
  await repo.push(layerDescriptor, layer);
  await repo.push(configDescriptor, config);
  await repo.push(manifest.descriptor, manifest.bytes);
  await repo.tag(manifest.descriptor, 'v1');
  expect(await repo.exists(layerDescriptor)).toBe(true);

  expect(await repo.resolve('v1')).toEqual(manifest.descriptor);
  const fetched = await repo.fetchManifest('v1');
  expect(Buffer.from(fetched.bytes).equals(manifest.bytes)).toBe(true);
  expect(fetched.descriptor).toEqual(manifest.descriptor);
  expect((await readAll(await repo.fetch(layerDescriptor))).equals(layer)).toBe(true);
  expect((await readAll(await repo.fetch(manifest.descriptor))).equals(manifest.bytes)).toBe(true);
  const tags: string[] = [];
  for await (const tag of repo.tags()) tags.push(tag);
  expect(tags).toEqual(['v1']);
}

describe('push and pull', () => {
  it('round-trips blobs and manifests on the plain registry', async () => {
    const { client } = recordingClient();
    await roundTrip(client, registries.plain.host, uniqueRepository('client/plain'));
  });

  it('round-trips on the Basic-auth TLS registry with its CA file', async () => {
    const { client } = recordingClient({
      caFile: registries.basic.caFile,
      credentials: async () => ({ username: registries.basic.user, password: registries.basic.password }),
    });
    await roundTrip(client, registries.basic.host, uniqueRepository('client/basic'));
  });

  it('round-trips on the token registry as alice', async () => {
    const { client, requests } = recordingClient({ credentials: async () => alice });
    await roundTrip(client, registries.token.host, uniqueRepository('client/token'));
    // Tokens are cached per scope set: one for pull, one for pull+push — not one per request.
    expect(requests.filter((r) => r.url === registries.token.realm).length).toBeLessThanOrEqual(3);
  });
});

describe('errors', () => {
  it('reports a wrong password as unauthorized', async () => {
    const { client } = recordingClient({ credentials: async () => ({ username: 'alice', password: 'wrong' }) });
    const error = await client.repository({ registry: registries.token.host, repository: 'client/any' }).resolve('v1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ kind: 'unauthorized', status: 401 });
    expect((error as Error).message).toBe(`token request to ${registries.token.realm} failed: 401 Unauthorized`);
    expect((error as Error).message).not.toContain('wrong');
  });

  it('reports a wrong Basic password as unauthorized', async () => {
    const { client } = recordingClient({ caFile: registries.basic.caFile, credentials: async () => ({ username: 'par', password: 'nope' }) });
    const error = await client.repository({ registry: registries.basic.host, repository: 'client/any' }).resolve('v1').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'unauthorized', status: 401 });
  });

  it('reports a reader pushing as unauthorized (insufficient scope)', async () => {
    const { client } = recordingClient({ credentials: async () => reader });
    const bytes = randomBytes(1000);
    const error = await client
      .repository({ registry: registries.token.host, repository: uniqueRepository('client/reader') })
      .push(blobOf(bytes), bytes)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'unauthorized' });
    expect((error as Error).message).toContain('insufficient scope');
  });

  it('reports an unknown tag and an unknown repository as not_found', async () => {
    const { client } = recordingClient();
    const repo = client.repository({ registry: registries.plain.host, repository: uniqueRepository('client/missing') });
    await expect(repo.resolve('v1')).rejects.toMatchObject({ kind: 'not_found', status: 404 });
    await expect(repo.fetchManifest('v1')).rejects.toMatchObject({ kind: 'not_found', code: expect.stringMatching(/^(MANIFEST|NAME)_UNKNOWN$/) });
  });

  it('names the host when it cannot be reached', async () => {
    const { client } = recordingClient();
    const error = await client.repository({ registry: '127.0.0.1:1', repository: 'x' }).resolve('v1').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'failure' });
    expect((error as Error).message).toBe('cannot reach registry 127.0.0.1:1: connection refused');
  });

  it('reports an untrusted certificate without falling back to plain HTTP', async () => {
    const { client, requests } = recordingClient({ credentials: async () => ({ username: registries.basic.user, password: registries.basic.password }) });
    const error = await client.repository({ registry: registries.basic.host, repository: 'client/any' }).resolve('v1').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'failure' });
    expect((error as Error).message).toContain('certificate');
    expect((error as Error).message).toContain('--ca-file');
    expect(requests.filter((r) => r.url.startsWith('http:'))).toEqual([]);
  });
});

describe('uploads', () => {
  it('round-trips a 1 MiB blob uploaded in 64 KiB chunks', async () => {
    const { client, requests } = recordingClient({ uploadStrategy: { [registries.plain.host]: { mode: 'chunked', chunkSize: 64 * 1024 } } });
    const repo = client.repository({ registry: registries.plain.host, repository: uniqueRepository('client/chunked') });
    const bytes = randomBytes(1024 * 1024 + 123);
    const descriptor = blobOf(bytes);
    let progress = 0;
    // A content factory: the upload opens the stream at the offset it needs.
    await repo.push(descriptor, async (offset) => Readable.from([bytes.subarray(offset)]), { onProgress: (n) => (progress += n) });
    expect(requests.filter((r) => r.method === 'PATCH').length).toBe(17);
    expect(progress).toBe(bytes.length);
    expect((await readAll(await repo.fetch(descriptor))).equals(bytes)).toBe(true);
  });

  it('uploads monolithically with one streamed PUT', async () => {
    const { client, requests } = recordingClient();
    const repo = client.repository({ registry: registries.plain.host, repository: uniqueRepository('client/monolithic') });
    const bytes = randomBytes(300_000);
    const descriptor = blobOf(bytes);
    await repo.push(descriptor, async (offset) => Readable.from([bytes.subarray(offset)]));
    // The HEAD after the PUT checks what the registry holds (Artifactory stored chunked uploads wrongly).
    expect(requests.map((r) => r.method)).toEqual(['POST', 'PUT', 'HEAD']);
    expect((await readAll(await repo.fetch(descriptor))).equals(bytes)).toBe(true);
  });

  it('mounts a blob from another repository of the same registry without uploading it', async () => {
    const { client, requests } = recordingClient({ credentials: async () => alice });
    const source = client.repository({ registry: registries.token.host, repository: uniqueRepository('client/mount-src') });
    const destination = client.repository({ registry: registries.token.host, repository: uniqueRepository('client/mount-dst') });
    const bytes = randomBytes(50_000);
    const descriptor = blobOf(bytes);
    await source.push(descriptor, bytes);
    requests.length = 0;
    expect(await destination.mount(descriptor, source)).toBe(true);
    expect(requests.filter((r) => r.url.startsWith(registries.token.url)).map((r) => `${r.method} ${r.status}`)).toEqual(['POST 201']);
    expect(await destination.exists(descriptor)).toBe(true);
  });

  it('answers false when the blob to mount is not in the source repository', async () => {
    const { client } = recordingClient();
    const destination = client.repository({ registry: registries.plain.host, repository: uniqueRepository('client/mount-none') });
    const bytes = randomBytes(1000);
    expect(await destination.mount(blobOf(bytes), uniqueRepository('client/nowhere'))).toBe(false);
    expect(await destination.exists(blobOf(bytes))).toBe(false);
  });
});

describe('large blobs', () => {
  /** 64 MiB produced as a stream (1 MiB pieces, each distinct), never held whole. */
  const piece = randomBytes(1024 * 1024);
  const pieces = 64;
  function* largeChunks(): Generator<Buffer> {
    for (let i = 0; i < pieces; i++) {
      const chunk = Buffer.from(piece);
      chunk.writeUInt32BE(i, 0);
      yield chunk;
    }
  }
  function largeDescriptor(): Descriptor {
    const hash = createHash('sha256');
    for (const chunk of largeChunks()) hash.update(chunk);
    return { mediaType: 'application/octet-stream', digest: `sha256:${hash.digest('hex')}`, size: pieces * piece.length };
  }

  it('uploads and downloads a 64 MiB blob as streams, verified', async () => {
    const { client } = recordingClient();
    const repo = client.repository({ registry: registries.plain.host, repository: uniqueRepository('client/large') });
    const descriptor = largeDescriptor();
    await repo.push(descriptor, async (offset) => {
      if (offset !== 0) throw new Error('a monolithic upload starts at 0');
      return Readable.from(largeChunks());
    });
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of await repo.fetch(descriptor)) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    expect(size).toBe(descriptor.size);
    expect(`sha256:${hash.digest('hex')}`).toBe(descriptor.digest);
  });
});

describe('copy between registries', () => {
  /** Pushes a small par-like artifact (config, layer, manifest) tagged v1 and returns its manifest. */
  async function seed(client: RegistryClient, registry: string, repository: string): Promise<Descriptor> {
    const repo = client.repository({ registry, repository });
    const layer = randomBytes(120_000);
    const config = Buffer.from('{}');
    const layerDescriptor = blobOf(layer, 'application/vnd.wasmcloud.provider.archive.layer.v1+par');
    const configDescriptor = blobOf(config, 'application/vnd.wasmcloud.provider.archive.config');
    const manifest = manifestFor(configDescriptor, [layerDescriptor]);
    await repo.push(layerDescriptor, layer);
    await repo.push(configDescriptor, config);
    await repo.push(manifest.descriptor, manifest.bytes);
    await repo.tag(manifest.descriptor, 'v1');
    return manifest.descriptor;
  }

  it('copies plain → plain2 byte for byte, and a second copy uploads nothing', async () => {
    const { client, requests } = recordingClient();
    const repository = uniqueRepository('client/copy');
    const manifest = await seed(client, registries.plain.host, repository);
    const source = client.repository({ registry: registries.plain.host, repository });
    const destination = client.repository({ registry: registries.plain2.host, repository });

    const first = await copy(source, 'v1', destination, undefined, { tags: ['stable'] });
    expect(first).toMatchObject({ descriptor: manifest, copied: 3, skipped: 0, mounted: 0 });
    expect(await destination.resolve('v1')).toEqual(manifest);
    expect(await destination.resolve('stable')).toEqual(manifest);
    const copiedBytes = (await destination.fetchManifest('v1')).bytes;
    expect(Buffer.from(copiedBytes).equals(Buffer.from((await source.fetchManifest('v1')).bytes))).toBe(true);

    requests.length = 0;
    const second = await copy(source, 'v1', destination, 'v1');
    expect(second).toMatchObject({ copied: 0, skipped: 1 });
    expect(requests.filter((r) => r.url.startsWith(registries.plain2.url) && ['POST', 'PATCH'].includes(r.method))).toEqual([]);
    expect(requests.filter((r) => r.url.includes('/blobs/uploads/'))).toEqual([]);
  });

  it('mounts blobs when copying between repositories of one registry', async () => {
    const { client, requests } = recordingClient({ credentials: async () => alice });
    const from = uniqueRepository('client/promote-src');
    await seed(client, registries.token.host, from);
    requests.length = 0;
    const result = await copy(
      client.repository({ registry: registries.token.host, repository: from }),
      'v1',
      client.repository({ registry: registries.token.host, repository: uniqueRepository('client/promote-dst') }),
      'v1',
    );
    expect(result).toMatchObject({ mounted: 2, copied: 1, skipped: 0 });
    expect(requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([201, 201]);
    expect(requests.filter((r) => r.method === 'PUT' && r.url.includes('/blobs/'))).toEqual([]);
  });

  it('promotes within one registry in six requests: resolve, one existence check, the manifest, a mount per blob, the tagged manifest', async () => {
    const { client, requests } = recordingClient();
    const registry = registries.plain.host;
    const from = uniqueRepository('client/promote-count-src');
    const to = uniqueRepository('client/promote-count-dst');
    await seed(client, registry, from);
    requests.length = 0;
    const result = await copy(client.repository({ registry, repository: from }), 'v1', client.repository({ registry, repository: to }), 'v1');
    expect(result).toMatchObject({ mounted: 2, copied: 1, skipped: 0 });
    const digest = result.descriptor.digest;
    expect(requests.map((r) => `${r.method} ${r.url.replace(`http://${registry}/v2/`, '')} ${r.status}`)).toEqual([
      `HEAD ${from}/manifests/v1 200`,
      `HEAD ${to}/manifests/${digest} 404`,
      `GET ${from}/manifests/${digest} 200`,
      `POST ${to}/blobs/uploads/ 201`,
      `POST ${to}/blobs/uploads/ 201`,
      `PUT ${to}/manifests/v1 201`,
    ]);
    // The tag names the copied manifest.
    expect((await client.repository({ registry, repository: to }).resolve('v1')).digest).toBe(digest);
  });
});
