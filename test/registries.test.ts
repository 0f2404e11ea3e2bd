// Proves the loopback test registries behave as the other integration tests expect, with real requests.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRegistryLog, registries, uniqueRepository, type Credentials } from './registries/endpoints.js';
import { useRegistries } from './registries/ensure-running.js';

const run = promisify(execFile);

interface TokenResponse {
  token: string;
  access_token: string;
  expires_in: number;
  issued_at: string;
  refresh_token?: string;
}

interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

useRegistries();

const sha256 = (bytes: Uint8Array | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const basicAuthorization = ({ username, password }: Credentials) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

function httpsGet(url: string, options: { ca?: Buffer; authorization?: string }): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const headers = options.authorization ? { Authorization: options.authorization } : {};
    const request = httpsRequest(url, { ca: options.ca, headers, timeout: 5000 }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    request.end();
  });
}

async function requestToken(scopes: string[], credentials?: Credentials): Promise<Response> {
  const url = new URL(registries.token.realm);
  url.searchParams.set('service', registries.token.service);
  for (const scope of scopes) url.searchParams.append('scope', scope);
  const headers: Record<string, string> = credentials ? { Authorization: basicAuthorization(credentials) } : {};
  return fetch(url, { headers });
}

async function tokenFor(scopes: string[], credentials?: Credentials): Promise<string> {
  const response = await requestToken(scopes, credentials);
  expect(response.status).toBe(200);
  const body = (await response.json()) as TokenResponse;
  return body.token;
}

function accessOf(token: string): AccessEntry[] {
  return decodeJwt(token)['access'] as AccessEntry[];
}

function actionsOn(token: string, repository: string): string[] {
  return accessOf(token).find((entry) => entry.type === 'repository' && entry.name === repository)?.actions ?? [];
}

/** Monolithic upload: POST a session, PUT the bytes; returns the response that failed or the final PUT. */
async function uploadBlob(repository: string, bytes: Uint8Array, token: string): Promise<Response> {
  const authorization = { Authorization: `Bearer ${token}` };
  const opened = await fetch(`${registries.token.url}/v2/${repository}/blobs/uploads/`, {
    method: 'POST',
    headers: { ...authorization, 'Content-Length': '0' },
  });
  if (opened.status !== 202) return opened;
  const location = new URL(opened.headers.get('location') ?? '', registries.token.url);
  location.searchParams.set('digest', sha256(bytes));
  return fetch(location, {
    method: 'PUT',
    headers: { ...authorization, 'Content-Type': 'application/octet-stream' },
    body: bytes,
  });
}

describe('plain registries', () => {
  it.each([registries.plain, registries.plain2])('$name answers /v2/ with 200 and no auth', async (registry) => {
    const response = await fetch(`${registry.url}/v2/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });
});

describe('basic registry (htpasswd over TLS)', () => {
  const url = `${registries.basic.url}/v2/`;

  it('asks for Basic credentials', async () => {
    const answer = await httpsGet(url, { ca: await readFile(registries.basic.caFile) });
    expect(answer.status).toBe(401);
    expect(String(answer.headers['www-authenticate'])).toMatch(/^Basic realm=/);
  });

  it('accepts par/par-password over TLS verified by the test CA', async () => {
    const authorization = basicAuthorization({ username: registries.basic.user, password: registries.basic.password });
    const answer = await httpsGet(url, { ca: await readFile(registries.basic.caFile), authorization });
    expect(answer.status).toBe(200);
  });

  it('rejects a wrong password', async () => {
    const authorization = basicAuthorization({ username: registries.basic.user, password: 'wrong' });
    const answer = await httpsGet(url, { ca: await readFile(registries.basic.caFile), authorization });
    expect(answer.status).toBe(401);
  });

  it('fails certificate verification without the test CA', async () => {
    const failure = await httpsGet(url, {}).then(
      () => undefined,
      (error: NodeJS.ErrnoException) => error,
    );
    expect(failure?.code).toMatch(/CERT|SIGNATURE|SELF_SIGNED|ISSUER/);
  });
});

describe('token registry and token service', () => {
  const aliceRepository = 'alice/x';

  it('challenges with Bearer naming the realm and service', async () => {
    const response = await fetch(`${registries.token.url}/v2/`);
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain(`realm="${registries.token.realm}"`);
    expect(challenge).toContain(`service="${registries.token.service}"`);
  });

  it('answers the Docker token protocol fields and claims', async () => {
    const response = await requestToken([`repository:${aliceRepository}:pull,push`], registries.token.users.alice);
    expect(response.status).toBe(200);
    const body = (await response.json()) as TokenResponse;
    expect(body.access_token).toBe(body.token);
    expect(body.expires_in).toBe(300);
    expect(Number.isNaN(Date.parse(body.issued_at))).toBe(false);
    const claims = decodeJwt(body.token);
    expect(claims).toMatchObject({ iss: registries.token.issuer, sub: 'alice', aud: registries.token.service });
    expect(typeof claims.jti).toBe('string');
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(300);
  });

  it('grants alice pull and push', async () => {
    const token = await tokenFor([`repository:${aliceRepository}:pull,push`], registries.token.users.alice);
    expect(actionsOn(token, aliceRepository).sort()).toEqual(['pull', 'push']);
  });

  it('grants reader pull only', async () => {
    const token = await tokenFor([`repository:${aliceRepository}:pull,push`], registries.token.users.reader);
    expect(actionsOn(token, aliceRepository)).toEqual(['pull']);
  });

  it('grants bob nothing outside bob/ and everything asked inside it, across several scope parameters', async () => {
    const token = await tokenFor(
      [`repository:${aliceRepository}:pull,push`, 'repository:bob/y:pull,push'],
      registries.token.users.bob,
    );
    expect(actionsOn(token, aliceRepository)).toEqual([]);
    expect(actionsOn(token, 'bob/y').sort()).toEqual(['pull', 'push']);
  });

  it('grants anonymous pull under public/ only', async () => {
    const token = await tokenFor(['repository:public/z:pull,push', `repository:${aliceRepository}:pull`]);
    expect(actionsOn(token, 'public/z')).toEqual(['pull']);
    expect(actionsOn(token, aliceRepository)).toEqual([]);
  });

  it('answers 401 to a wrong password', async () => {
    const response = await requestToken([`repository:${aliceRepository}:pull`], { username: 'alice', password: 'nope' });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { errors: { code: string }[] };
    expect(body.errors[0]?.code).toBe('UNAUTHORIZED');
  });

  it('issues tokens through the OAuth2 POST form, with a refresh token', async () => {
    const scope = `repository:${aliceRepository}:pull`;
    const byPassword = await fetch(registries.token.realm, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        username: 'reader',
        password: 'reader-password',
        service: registries.token.service,
        scope,
        access_type: 'offline',
        client_id: 'par-tests',
      }),
    });
    expect(byPassword.status).toBe(200);
    const first = (await byPassword.json()) as TokenResponse;
    expect(actionsOn(first.token, aliceRepository)).toEqual(['pull']);
    expect(typeof first.refresh_token).toBe('string');

    const byRefresh = await fetch(registries.token.realm, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token ?? '',
        service: registries.token.service,
        scope,
      }),
    });
    expect(byRefresh.status).toBe(200);
    const second = (await byRefresh.json()) as TokenResponse;
    expect(decodeJwt(second.token).sub).toBe('reader');

    const wrong = await fetch(registries.token.realm, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'password', username: 'reader', password: 'x', service: registries.token.service }),
    });
    expect(wrong.status).toBe(401);
  });

  it("accepts a blob upload with alice's token and logs it", async () => {
    const repository = uniqueRepository('alice/registries-test');
    const bytes = new TextEncoder().encode(`tiny blob for ${repository}`);
    const token = await tokenFor([`repository:${repository}:pull,push`], registries.token.users.alice);
    const response = await uploadBlob(repository, bytes, token);
    expect(response.status).toBe(201);
    expect(response.headers.get('docker-content-digest')).toBe(sha256(bytes));

    const pulled = await fetch(`${registries.token.url}/v2/${repository}/blobs/${sha256(bytes)}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(new Uint8Array(await pulled.arrayBuffer())).toEqual(bytes);
    expect(readRegistryLog('token')).toMatch(new RegExp(`"PUT /v2/${repository}/blobs/uploads/[^"]*" 201 `));
  });

  it("refuses a blob upload with reader's token: 401 insufficient_scope", async () => {
    const repository = uniqueRepository('alice/registries-test');
    const token = await tokenFor([`repository:${repository}:pull,push`], registries.token.users.reader);
    const response = await uploadBlob(repository, new TextEncoder().encode('refused'), token);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  });
});

describe('skopeo against the plain registry', () => {
  let layout: string;

  beforeAll(async () => {
    layout = await mkdtemp(path.join(tmpdir(), 'par-registries-test-'));
  });
  afterAll(async () => {
    await rm(layout, { recursive: true, force: true });
  });

  /** A minimal OCI image layout holding one artifact manifest tagged `v1`; returns the manifest bytes. */
  async function writeLayout(directory: string): Promise<string> {
    const blobs = path.join(directory, 'blobs', 'sha256');
    await mkdir(blobs, { recursive: true });
    const put = async (bytes: string) => {
      await writeFile(path.join(blobs, sha256(bytes).slice('sha256:'.length)), bytes);
      return { digest: sha256(bytes), size: Buffer.byteLength(bytes) };
    };
    const config = await put('{}');
    const layer = await put('hello from the registries test\n');
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
    });
    const manifestDescriptor = await put(manifest);
    await writeFile(path.join(directory, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    await writeFile(
      path.join(directory, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            ...manifestDescriptor,
            annotations: { 'org.opencontainers.image.ref.name': 'v1' },
          },
        ],
      }),
    );
    return manifest;
  }

  it('copies an OCI layout to the registry and reads the same manifest back', async () => {
    const manifest = await writeLayout(layout);
    const reference = `${registries.plain.host}/${uniqueRepository('skopeo/roundtrip')}:v1`;
    await run('skopeo', ['--insecure-policy', 'copy', '--preserve-digests', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${reference}`]);
    const { stdout } = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reference}`]);
    expect(stdout).toBe(manifest);
  });

  it('copies to the basic registry with credentials and the test CA directory', async () => {
    const manifest = await writeLayout(layout);
    const reference = `${registries.basic.host}/${uniqueRepository('skopeo/basic')}:v1`;
    const creds = `${registries.basic.user}:${registries.basic.password}`;
    const certDir = registries.basic.certDir;
    await run('skopeo', ['--insecure-policy', 'copy', '--preserve-digests', '--dest-creds', creds, '--dest-cert-dir', certDir, `oci:${layout}:v1`, `docker://${reference}`]);
    const { stdout } = await run('skopeo', ['inspect', '--raw', '--creds', creds, '--cert-dir', certDir, `docker://${reference}`]);
    expect(stdout).toBe(manifest);
  });
});
