// A small Docker token service for the `token` test registry (plain ESM: it runs without a build,
// locally through scripts/registry.sh and in docker-compose.yml through the node image).
//
// GET  /token?service=&scope=repository:NAME:pull,push[&scope=...][&offline_token=true]
//      with optional Basic credentials (the Docker token protocol).
// POST /token  application/x-www-form-urlencoded, grant_type=password (username, password)
//      or grant_type=refresh_token (refresh_token) — the OAuth2 form of the same protocol.
// Both answer {"token","access_token","expires_in","issued_at"} (+ "refresh_token" when asked).
//
// Tokens are ES256 JWTs whose `x5c` header carries the signing certificate; the registry trusts
// that certificate through `auth.token.rootcertbundle`. Requested actions the user may not have
// are left out of the token, as Docker's own service does, so the registry answers
// 401 insufficient_scope.
//
// Configuration (environment): TOKEN_SERVICE_HOST (default 127.0.0.1), TOKEN_SERVICE_PORT (5005),
// TOKEN_SIGNING_KEY and TOKEN_SIGNING_CERT (PEM files, required). One log line per request on
// stdout; never a password or a token.
import { createPublicKey, randomUUID, timingSafeEqual, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { importPKCS8, jwtVerify, SignJWT } from 'jose';

const SERVICE = 'par-test-registry';
const ISSUER = 'par-test-token-service';
const EXPIRES_IN_SECONDS = 300;
const REFRESH_AUDIENCE = 'par-test-token-service/refresh';

/** Every action a repository scope can ask for in distribution 2.8. */
const ALL_ACTIONS = ['pull', 'push', 'delete', '*'];

/**
 * The users and what each may do on a repository. `null` user = anonymous.
 * @type {Record<string, { password: string, actions: (repository: string) => string[] }>}
 */
const USERS = {
  alice: { password: 'alice-password', actions: () => ALL_ACTIONS },
  reader: { password: 'reader-password', actions: () => ['pull'] },
  bob: { password: 'bob-password', actions: (repository) => (repository.startsWith('bob/') ? ALL_ACTIONS : []) },
};
const anonymousActions = (repository) => (repository.startsWith('public/') ? ['pull'] : []);

const host = process.env.TOKEN_SERVICE_HOST ?? '127.0.0.1';
const port = Number(process.env.TOKEN_SERVICE_PORT ?? '5005');
const keyFile = requiredEnv('TOKEN_SIGNING_KEY');
const certFile = requiredEnv('TOKEN_SIGNING_CERT');

const signingKeyPem = readFileSync(keyFile, 'utf8');
const signingKey = await importPKCS8(signingKeyPem, 'ES256');
const verifyingKey = createPublicKey(signingKeyPem);
const x5c = [new X509Certificate(readFileSync(certFile)).raw.toString('base64')];

const server = createServer((request, response) => {
  handle(request, response).catch((error) => {
    log(request, 500, '-', `internal error: ${error instanceof Error ? error.message : String(error)}`);
    if (!response.headersSent) sendJson(response, 500, errorBody('UNKNOWN', 'internal token service error'));
    else response.end();
  });
});
server.listen(port, host, () => {
  console.log(`${new Date().toISOString()} token service listening on http://${host}:${port}/token`);
});
// Nothing to flush: exit at once, even with keep-alive connections open.
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));

/** @param {import('node:http').IncomingMessage} request @param {import('node:http').ServerResponse} response */
async function handle(request, response) {
  const url = new URL(request.url ?? '/', `http://${request.headers.host ?? 'localhost'}`);
  if (url.pathname !== '/token') {
    log(request, 404, '-', 'no such path');
    return sendJson(response, 404, errorBody('NOT_FOUND', `no such path ${url.pathname}; the realm is /token`));
  }
  if (request.method === 'GET') return handleGet(request, response, url);
  if (request.method === 'POST') return handlePost(request, response, url);
  log(request, 405, '-', 'method not allowed');
  response.setHeader('Allow', 'GET, POST');
  return sendJson(response, 405, errorBody('UNSUPPORTED', `method ${request.method} not allowed`));
}

async function handleGet(request, response, url) {
  const params = url.searchParams;
  const credentials = basicCredentials(request.headers.authorization);
  if (credentials === 'malformed') {
    log(request, 400, '-', 'malformed Authorization header');
    return sendJson(response, 400, errorBody('UNAUTHORIZED', 'malformed Basic Authorization header'));
  }
  let user = null;
  if (credentials) {
    user = authenticate(credentials.username, credentials.password);
    if (!user) return rejectCredentials(request, response, credentials.username);
  }
  const wantsRefresh = params.get('offline_token') === 'true' && user !== null;
  return issue(request, response, user, params.get('service'), params.getAll('scope'), wantsRefresh);
}

async function handlePost(request, response) {
  const form = new URLSearchParams(await readBody(request));
  const grantType = form.get('grant_type');
  let user;
  let wantsRefresh = false;
  if (grantType === 'password') {
    const username = form.get('username') ?? '';
    user = authenticate(username, form.get('password') ?? '');
    if (!user) return rejectCredentials(request, response, username);
    wantsRefresh = form.get('access_type') === 'offline';
  } else if (grantType === 'refresh_token') {
    user = await userFromRefreshToken(form.get('refresh_token') ?? '');
    if (!user) {
      log(request, 401, '-', 'invalid refresh token');
      return sendJson(response, 401, errorBody('UNAUTHORIZED', 'invalid or expired refresh token'));
    }
    wantsRefresh = true;
  } else {
    log(request, 400, '-', `unsupported grant_type ${grantType ?? '(none)'}`);
    return sendJson(response, 400, errorBody('UNSUPPORTED', 'grant_type must be password or refresh_token'));
  }
  return issue(request, response, user, form.get('service'), form.getAll('scope'), wantsRefresh);
}

/** Signs and sends a token granting `user` what it may do of the requested scopes. */
async function issue(request, response, user, service, scopeParams, wantsRefresh) {
  if (service !== null && service !== SERVICE) {
    log(request, 400, user ?? 'anonymous', `unknown service ${service}`);
    return sendJson(response, 400, errorBody('UNSUPPORTED', `unknown service "${service}"; this service issues tokens for "${SERVICE}"`));
  }
  const requested = parseScopes(scopeParams);
  const access = requested
    .map((scope) => ({ type: scope.type, name: scope.name, actions: grantedActions(user, scope) }))
    .filter((entry) => entry.actions.length > 0);

  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ access })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', x5c })
    .setIssuer(ISSUER)
    .setSubject(user ?? '')
    .setAudience(SERVICE)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + EXPIRES_IN_SECONDS)
    .setJti(randomUUID())
    .sign(signingKey);
  const body = { token, access_token: token, expires_in: EXPIRES_IN_SECONDS, issued_at: new Date(now * 1000).toISOString() };
  if (wantsRefresh) body.refresh_token = await refreshTokenFor(user);

  const describe = (entries) => entries.map((s) => `${s.type}:${s.name}:${s.actions.join(',')}`).join(' ') || '(none)';
  log(request, 200, user ?? 'anonymous', `requested=${describe(requested)} granted=${describe(access)}`);
  return sendJson(response, 200, body);
}

/** @returns {string[]} the requested actions this user (or anonymous) may perform */
function grantedActions(user, scope) {
  if (scope.type !== 'repository') return [];
  const allowed = user === null ? anonymousActions(scope.name) : USERS[user].actions(scope.name);
  return scope.actions.filter((action) => allowed.includes(action));
}

/**
 * `repository:NAME:pull,push`; one parameter may hold several scopes separated by spaces (OAuth2).
 * The name sits between the first and the last colon.
 */
function parseScopes(scopeParams) {
  const scopes = [];
  for (const text of scopeParams.flatMap((param) => param.split(' ')).filter(Boolean)) {
    const first = text.indexOf(':');
    const last = text.lastIndexOf(':');
    if (first < 0 || last === first) continue;
    const actions = text.slice(last + 1).split(',').filter(Boolean);
    scopes.push({ type: text.slice(0, first), name: text.slice(first + 1, last), actions: [...new Set(actions)] });
  }
  return scopes;
}

function authenticate(username, password) {
  const user = Object.hasOwn(USERS, username) ? USERS[username] : undefined;
  if (!user) return null;
  const given = Buffer.from(password);
  const expected = Buffer.from(user.password);
  return given.length === expected.length && timingSafeEqual(given, expected) ? username : null;
}

function rejectCredentials(request, response, username) {
  log(request, 401, username || '-', 'wrong username or password');
  response.setHeader('WWW-Authenticate', `Basic realm="${ISSUER}"`);
  return sendJson(response, 401, errorBody('UNAUTHORIZED', 'authentication failed: wrong username or password'));
}

/** @returns {{username: string, password: string} | null | 'malformed'} */
function basicCredentials(header) {
  if (!header) return null;
  const match = /^Basic\s+(\S+)$/i.exec(header);
  if (!match) return 'malformed';
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'malformed';
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** A refresh token is itself a signed JWT, so it survives a restart of this service. */
function refreshTokenFor(user) {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setSubject(user)
    .setAudience(REFRESH_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('1d')
    .setJti(randomUUID())
    .sign(signingKey);
}

async function userFromRefreshToken(refreshToken) {
  try {
    const { payload } = await jwtVerify(refreshToken, verifyingKey, { issuer: ISSUER, audience: REFRESH_AUDIENCE });
    return typeof payload.sub === 'string' && Object.hasOwn(USERS, payload.sub) ? payload.sub : null;
  } catch {
    return null;
  }
}

function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    request.on('data', (chunk) => {
      size += chunk.length;
      if (size > 64 * 1024) request.destroy(new Error('request body too large'));
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function errorBody(code, message) {
  return { errors: [{ code, message }] };
}

function sendJson(response, status, body) {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
}

function log(request, status, user, detail) {
  const path = (request.url ?? '/').split('?')[0];
  console.log(`${new Date().toISOString()} ${request.method} ${path} ${status} user=${user} ${detail}`);
}

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`token service: environment variable ${name} is required (a PEM file path)`);
    process.exit(2);
  }
  return value;
}
