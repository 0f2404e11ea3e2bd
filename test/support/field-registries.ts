// Public registries' known quirks, each as an intercept for a front server standing in front of a
// real test registry (test/support/front-server.ts). Each says which registry it imitates and
// what that registry was seen to do; test/field/*.test.ts run the built CLI against them.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerError, readBody, readBodyUpTo, type FrontServer, type Intercept } from './front-server.js';

const MiB = 1024 * 1024;

function isPatch(request: IncomingMessage): boolean {
  return request.method === 'PATCH' && /\/blobs\/uploads\//.test(request.url ?? '');
}

function isMount(request: IncomingMessage): boolean {
  return request.method === 'POST' && /\/blobs\/uploads\/\?.*mount=/.test(request.url ?? '');
}

/** The size of every PATCH body a GHCR front accepted or refused, for the tests to check. */
export interface PatchLog {
  accepted: number[];
  refused: number[];
}

/**
 * GHCR: a PATCH body over 4 MiB is answered 416 SIZE_INVALID (oras-project/rust-oci-client#35);
 * smaller ones, and monolithic PUTs, pass.
 */
export function ghcr(log: PatchLog = { accepted: [], refused: [] }): Intercept {
  return async (request, response, server) => {
    if (!isPatch(request)) return false;
    const { kept, length } = await readBodyUpTo(request, 4 * MiB + 1);
    if (length > 4 * MiB) {
      log.refused.push(length);
      return answerError(response, 416, 'SIZE_INVALID', 'provided length did not match content length');
    }
    log.accepted.push(length);
    server.pass(request, response, { body: kept });
    return true;
  };
}

/** Google Artifact Registry: PATCH refused (405 UNSUPPORTED, or 400). */
export function googleArtifactRegistry(status: 405 | 400 = 405): Intercept {
  return async (request, response) => {
    if (!isPatch(request)) return false;
    await readBodyUpTo(request, 0);
    return status === 405
      ? answerError(response, 405, 'UNSUPPORTED', 'The operation is unsupported.')
      : answerError(response, 400, 'BLOB_UPLOAD_INVALID', 'chunked uploads are not supported');
  };
}

/** ECR: a PATCH answered 201 instead of 202; a mount of a blob that no manifest references refused (404). */
export function ecr(): Intercept {
  return async (request, response, server) => {
    if (isMount(request)) return answerError(response, 404, 'BLOB_UNKNOWN', 'the blob is not referenced by any image in this registry');
    if (!isPatch(request)) return false;
    server.pass(request, response, { answer: (status, headers) => ({ status: status === 202 ? 201 : status, headers }) });
    return true;
  };
}

/** Legacy GCR: 204 wherever 201 or 202 is expected (upload POST, PATCH, blob PUT, manifest PUT, mount). */
export function legacyGcr(): Intercept {
  return async (request, response, server) => {
    if (!['POST', 'PUT', 'PATCH'].includes(request.method ?? '')) return false;
    server.pass(request, response, { answer: (status, headers) => ({ status: status === 201 || status === 202 ? 204 : status, headers }) });
    return true;
  };
}

/** Harbor: a cross-repository mount answered 401 with a challenge when the source is not readable. */
export function harbor(realm: string, service: string): Intercept {
  return async (request, response) => {
    if (!isMount(request)) return false;
    const from = new URL(request.url ?? '/', 'http://x').searchParams.get('from') ?? '';
    await readBody(request);
    return answerError(response, 401, 'UNAUTHORIZED', 'unauthorized to access repository', {
      'www-authenticate': `Bearer realm="${realm}",service="${service}",scope="repository:${from}:pull"`,
    });
  };
}

/** Docker Hub's answer when the pull limit is used up: 429 with `ratelimit-*` headers (and maybe Retry-After). */
export function dockerHubRateLimit(retryAfterSeconds?: number): Intercept {
  return async (request, response) => {
    if (!/\/manifests\//.test(request.url ?? '')) return false;
    return answerError(response, 429, 'TOOMANYREQUESTS', 'You have reached your pull rate limit. You may increase the limit by authenticating and upgrading.', {
      'ratelimit-limit': '100;w=21600',
      'ratelimit-remaining': '0;w=21600',
      ...(retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) }),
    });
  };
}

/** Quay (400 MANIFEST_INVALID "Unknown media type") and GitLab (415): config media types outside an allow-list refused. */
export function configAllowList(status: 400 | 415): Intercept {
  const allowed = new Set(['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json', 'application/vnd.oci.empty.v1+json']);
  return async (request, response, server) => {
    if (request.method !== 'PUT' || !/\/manifests\//.test(request.url ?? '')) return false;
    const body = await readBody(request);
    const configType = (JSON.parse(body.toString('utf8')) as { config?: { mediaType?: string } }).config?.mediaType ?? '';
    if (allowed.has(configType)) {
      server.pass(request, response, { body });
      return true;
    }
    if (status === 415) return answerError(response, 415, 'MANIFEST_INVALID', `unsupported config media type: ${configType}`);
    response.writeHead(400, { 'content-type': 'application/json' }).end(
      JSON.stringify({ errors: [{ code: 'MANIFEST_INVALID', message: 'manifest invalid', detail: { message: `Unknown media type: ${configType}` } }] }),
    );
    return true;
  };
}

/**
 * Artifactory's old chunked-upload bug (wasmCloud/wasmCloud#3405): a chunked upload is answered
 * 201 while only its last chunk is stored. The front keeps such "stored" blobs itself (the real
 * registry behind it would refuse a wrong digest) and answers HEAD and GET of them with the wrong
 * bytes, under the digest the client claimed. Monolithic uploads pass to the real registry, unless
 * `alsoMonolithic`: then they too are kept as their second half, so nothing ever stores correctly.
 */
export function artifactory(options: { alsoMonolithic?: boolean } = {}): Intercept & { wronglyHeld: Map<string, Buffer> } {
  const lastChunk = new Map<string, Buffer>();
  const chunkCount = new Map<string, number>();
  const wronglyHeld = new Map<string, Buffer>();
  const intercept = async (request: IncomingMessage, response: ServerResponse, server: FrontServer): Promise<boolean> => {
    const url = new URL(request.url ?? '/', 'http://x');
    const blob = /^\/v2\/.+\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url.pathname);
    if (blob && (request.method === 'HEAD' || request.method === 'GET') && wronglyHeld.has(blob[1]!)) {
      const bytes = wronglyHeld.get(blob[1]!)!;
      response.writeHead(200, { 'content-length': String(bytes.length), 'docker-content-digest': blob[1]!, 'content-type': 'application/octet-stream' });
      response.end(request.method === 'GET' ? bytes : undefined);
      return true;
    }
    if (!/\/blobs\/uploads\/[^/?]+/.test(url.pathname)) return false;
    if (request.method === 'PATCH') {
      const body = await readBody(request);
      lastChunk.set(url.pathname, body);
      chunkCount.set(url.pathname, (chunkCount.get(url.pathname) ?? 0) + 1);
      response.writeHead(202, { location: request.url ?? '', range: `0-${Number(/-(\d+)$/.exec(String(request.headers['content-range']))?.[1] ?? body.length - 1)}` }).end();
      return true;
    }
    if (request.method === 'PUT') {
      const digest = url.searchParams.get('digest') ?? '';
      const body = await readBody(request);
      const chunk = lastChunk.get(url.pathname);
      const chunks = (chunkCount.get(url.pathname) ?? 0) + (body.length > 0 ? 1 : 0);
      lastChunk.delete(url.pathname);
      chunkCount.delete(url.pathname);
      if (chunks <= 1 && !options.alsoMonolithic) {
        // One piece in all: its last chunk is the whole blob, stored correctly (by the real registry).
        wronglyHeld.delete(digest);
        server.pass(request, response, { body: body.length > 0 ? body : (chunk ?? body) });
        return true;
      }
      // The last chunk is the PUT's own body when it carries one, else the last PATCH's.
      const kept = chunk === undefined ? body.subarray(Math.floor(body.length / 2)) : body.length > 0 ? body : chunk;
      wronglyHeld.set(digest, kept);
      response.writeHead(201, { 'docker-content-digest': digest, location: url.pathname.replace(/\/uploads\/.*$/, `/${digest}`) }).end();
      return true;
    }
    return false;
  };
  return Object.assign(intercept, { wronglyHeld });
}

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** What an ACR-like token endpoint saw: the grant types asked for, and the methods used. */
export interface TokenEndpointLog {
  requests: { method: string; grantType: string | null; refreshToken: string | null }[];
}

/**
 * Azure Container Registry's token exchange, in front of the real token registry: the registry's
 * challenge names this server's `/oauth2/token` as the realm, which takes only the OAuth2
 * refresh-token grant (a form POST) and answers `{"access_token"}` — a real token of the test
 * token service, for alice — or 401 for a refresh token that has expired.
 */
export function acr(options: { validRefreshToken: string; tokenService: string; service: string; user: { username: string; password: string } }, log: TokenEndpointLog): Intercept {
  return async (request, response, server) => {
    const url = new URL(request.url ?? '/', 'http://x');
    if (url.pathname === '/oauth2/token') {
      const form = new URLSearchParams((await readBody(request)).toString('utf8'));
      log.requests.push({ method: request.method ?? '', grantType: form.get('grant_type'), refreshToken: form.get('refresh_token') });
      if (request.method !== 'POST' || form.get('grant_type') !== 'refresh_token') {
        return answerError(response, 400, 'UNSUPPORTED', 'only the refresh_token grant is served here');
      }
      if (form.get('refresh_token') !== options.validRefreshToken) {
        return answerError(response, 401, 'UNAUTHORIZED', 'authentication required, visit https://aka.ms/acr/authorization for more information.');
      }
      const real = new URL(options.tokenService);
      real.searchParams.set('service', options.service);
      for (const scope of (form.get('scope') ?? '').split(' ').filter(Boolean)) real.searchParams.append('scope', scope);
      const basic = Buffer.from(`${options.user.username}:${options.user.password}`).toString('base64');
      const answer = (await (await fetch(real, { headers: { authorization: `Basic ${basic}` } })).json()) as { token: string };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: answer.token }));
      return true;
    }
    server.pass(request, response, {
      answer: (status, headers) => {
        const challenge = headers['www-authenticate'];
        if (typeof challenge === 'string') headers['www-authenticate'] = challenge.replace(/realm="[^"]*"/, `realm="${server.url}/oauth2/token"`);
        return { status, headers };
      },
    });
    return true;
  };
}

/** Docker Hub's token realm is another host (auth.docker.io): the registry's challenge points at `realm` instead. */
export function realmElsewhere(realm: string): Intercept {
  return async (request, response, server) => {
    server.pass(request, response, {
      answer: (status, headers) => {
        const challenge = headers['www-authenticate'];
        if (typeof challenge === 'string') headers['www-authenticate'] = challenge.replace(/realm="[^"]*"/, `realm="${realm}"`);
        return { status, headers };
      },
    });
    return true;
  };
}
