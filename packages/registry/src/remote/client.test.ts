// The client's auth, retry and scheme logic against fake registries (local HTTP servers).
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { answerTimeoutFor, RegistryClient, type RegistryClientOptions, type RequestInfo } from './client.js';
import { fakeServers } from '../test-support.js';

const { serve, track } = fakeServers();

function client(options: RegistryClientOptions = {}): { client: RegistryClient; requests: RequestInfo[] } {
  const requests: RequestInfo[] = [];
  const created = track(new RegistryClient({ retry: { minDelayMs: 1, maxDelayMs: 5 }, ...options, onRequest: (info) => requests.push(info) }));
  return { client: created, requests };
}

const manifest = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"a","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}');

function sendManifest(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-length': String(manifest.length) });
  response.end(manifest);
}

/** A token service issuing `token-1`, `token-2`, … and recording what it was asked. */
async function tokenService(): Promise<{ realm: string; asked: { method: string; query: URLSearchParams; authorization?: string; form?: string }[] }> {
  const asked: { method: string; query: URLSearchParams; authorization?: string; form?: string }[] = [];
  let issued = 0;
  const host = await serve((request, response) => {
    let form = '';
    request.on('data', (chunk: Buffer) => (form += chunk.toString()));
    request.on('end', () => {
      const query = new URL(request.url!, 'http://x').searchParams;
      asked.push({ method: request.method!, query, ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}), ...(form ? { form } : {}) });
      if (request.method === 'POST' && request.url!.startsWith('/oauth-missing')) {
        response.writeHead(404);
        return response.end();
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ access_token: `token-${++issued}`, expires_in: 300 }));
    });
  });
  return { realm: `http://${host}/token`, asked };
}

describe('bearer auth', () => {
  it('answers a challenge with a token for the needed scope and caches it', async () => {
    const tokens = await tokenService();
    const registry = await serve((request, response) => {
      if (request.headers.authorization !== 'Bearer token-1') {
        response.writeHead(401, { 'www-authenticate': `Bearer realm="${tokens.realm}",service="svc",scope="repository:a/b:pull"` });
        return response.end();
      }
      sendManifest(response);
    });
    const { client: c } = client({ insecure: true, credentials: async () => ({ username: 'u', password: 'p' }) });
    const repo = c.repository({ registry, repository: 'a/b' });
    await repo.fetchManifest('v1');
    await repo.fetchManifest('v1');
    expect(tokens.asked).toHaveLength(1);
    expect(tokens.asked[0]!.query.get('service')).toBe('svc');
    expect(tokens.asked[0]!.query.getAll('scope')).toEqual(['repository:a/b:pull']);
    expect(tokens.asked[0]!.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('re-authenticates once when a token stops working mid-operation, then gives up', async () => {
    const tokens = await tokenService();
    let accepted = 'token-1';
    const registry = await serve((request, response) => {
      if (request.headers.authorization !== `Bearer ${accepted}`) {
        response.writeHead(401, { 'www-authenticate': `Bearer realm="${tokens.realm}",service="svc",error="invalid_token"` });
        return response.end();
      }
      sendManifest(response);
    });
    const { client: c } = client({ insecure: true });
    const repo = c.repository({ registry, repository: 'a/b' });
    await repo.fetchManifest('v1');
    accepted = 'token-2'; // the first token "expired"
    await repo.fetchManifest('v1');
    expect(tokens.asked).toHaveLength(2);
    accepted = 'never';
    await expect(repo.fetchManifest('v1')).rejects.toMatchObject({ kind: 'unauthorized', status: 401 });
    expect(tokens.asked).toHaveLength(3);
  });

  it('asks for pull on the source and pull,push on the destination for a mount', async () => {
    const tokens = await tokenService();
    const registry = await serve((request, response) => {
      if (!request.headers.authorization) {
        response.writeHead(401, { 'www-authenticate': `Bearer realm="${tokens.realm}",service="svc"` });
        return response.end();
      }
      response.writeHead(201, { location: '/v2/dst/blobs/sha256:x' });
      response.end();
    });
    const { client: c } = client({ insecure: true });
    const mounted = await c.repository({ registry, repository: 'dst' }).mount({ mediaType: 'x', digest: 'sha256:ab', size: 1 }, 'src');
    expect(mounted).toBe(true);
    expect(tokens.asked[0]!.query.getAll('scope')).toEqual(['repository:dst:pull,push', 'repository:src:pull']);
  });

  it('uses the OAuth2 form with an identity token, and GET when the realm answers 404 to it', async () => {
    const tokens = await tokenService();
    for (const realm of [tokens.realm, tokens.realm.replace('/token', '/oauth-missing')]) {
      const registry = await serve((request, response) => {
        if (!request.headers.authorization?.startsWith('Bearer ')) {
          response.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}",service="svc"` });
          return response.end();
        }
        sendManifest(response);
      });
      const { client: c } = client({ insecure: true, credentials: async () => ({ identityToken: 'refresh-me' }) });
      await c.repository({ registry, repository: 'a/b' }).fetchManifest('v1');
    }
    expect(tokens.asked[0]).toMatchObject({ method: 'POST' });
    expect(new URLSearchParams(tokens.asked[0]!.form).get('grant_type')).toBe('refresh_token');
    expect(new URLSearchParams(tokens.asked[0]!.form).get('refresh_token')).toBe('refresh-me');
    expect(tokens.asked.slice(1).map((a) => a.method)).toEqual(['POST', 'GET']);
  });

  it('reports a refused token request with the realm and status, never a silent anonymous retry', async () => {
    const realmHost = await serve((_request, response) => {
      response.writeHead(401);
      response.end();
    });
    const registry = await serve((_request, response) => {
      response.writeHead(401, { 'www-authenticate': `Bearer realm="http://${realmHost}/token",service="svc"` });
      response.end();
    });
    const { client: c, requests } = client({ insecure: true, credentials: async () => ({ username: 'u', password: 'secret-password' }) });
    const error = await c.repository({ registry, repository: 'a/b' }).resolve('v1').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'unauthorized', status: 401 });
    expect((error as Error).message).toBe(`token request to http://${realmHost}/token failed: 401 Unauthorized`);
    expect((error as Error).message).not.toContain('secret-password');
    expect(requests.filter((r) => r.url.includes(registry))).toHaveLength(1);
  });
});

describe('transport', () => {
  it('falls back to plain HTTP on a loopback registry that does not speak TLS, once per host', async () => {
    let hits = 0;
    // A TLS ClientHello reaching a plain HTTP server is a client error: each is one HTTPS probe.
    let probes = 0;
    const registry = await serve(
      (_request, response) => {
        hits++;
        sendManifest(response);
      },
      (server) => server.on('clientError', (_error, socket) => {
        probes++;
        socket.destroy();
      }),
    );
    const { client: c, requests } = client();
    const first = c.repository({ registry, repository: 'a/b' });
    const second = c.repository({ registry, repository: 'c/d' });
    await first.fetchManifest('v1');
    // Another repository and another tag on the same host: the scheme is known, no probe.
    await second.fetchManifest('v2');
    await first.fetchManifest('v3');
    expect(requests.map((r) => r.url)).toEqual([`http://${registry}/v2/a/b/manifests/v1`, `http://${registry}/v2/c/d/manifests/v2`, `http://${registry}/v2/a/b/manifests/v3`]);
    expect(hits).toBe(3);
    expect(probes).toBe(1);
  });

  it('retries a 503 honouring Retry-After, then succeeds', async () => {
    let hits = 0;
    const registry = await serve((_request, response) => {
      if (++hits === 1) {
        response.writeHead(503, { 'retry-after': '0' });
        return response.end();
      }
      sendManifest(response);
    });
    const { client: c, requests } = client({ insecure: true });
    await c.repository({ registry, repository: 'a/b' }).fetchManifest('v1');
    expect(requests.map((r) => r.status)).toEqual([503, 200]);
  });

  it('reports each Warning: 299 text once, and ignores other warning codes', async () => {
    const registry = await serve((_request, response) => {
      response.setHeader('warning', ['299 - "this registry is deprecated, use r2.example"', '199 - "misc"']);
      sendManifest(response);
    });
    const warnings: string[] = [];
    const { client: c } = client({ insecure: true, onWarning: (message) => warnings.push(message) });
    const repository = c.repository({ registry, repository: 'a/b' });
    await repository.fetchManifest('v1');
    await repository.fetchManifest('v2');
    expect(warnings).toEqual([`registry ${registry} warns: this registry is deprecated, use r2.example`]);
  });

  it('shows registry error codes with the operation and reference', async () => {
    const registry = await serve((_request, response) => {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end('{"errors":[{"code":"MANIFEST_INVALID","message":"manifest invalid","detail":{}}]}');
    });
    const { client: c } = client({ insecure: true });
    const error = await c
      .repository({ registry, repository: 'a/b' })
      .push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:00', size: manifest.length }, manifest)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'invalid', code: 'MANIFEST_INVALID', status: 400 });
    expect((error as Error).message).toBe(`push manifest ${registry}/a/b@sha256:00: MANIFEST_INVALID: manifest invalid (HTTP 400)`);
  });
});

describe('the wait for an upload commit', () => {
  it('is the timeout for a small blob and grows by a second per 10 MiB for a large one', () => {
    expect(answerTimeoutFor(64 * 1024, 30_000)).toBe(30_000);
    expect(answerTimeoutFor(1024 * 1024 * 1024, 30_000)).toBe(30_000 + 102_000);
  });
});
