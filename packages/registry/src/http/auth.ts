import type { Dispatcher } from 'undici';
import { RegistryError } from '../oci/errors.js';
import { MAX_TOKEN_ANSWER, readJsonAnswer } from './answer.js';
import { readErrorBody, statusLine } from './registry-errors.js';

/** What a credential source gives for a registry (the shape `resolveCredential` returns). */
export type ClientCredential = { username: string; password: string } | { identityToken: string } | undefined;

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` header: one or several challenges, each a scheme followed by
 * `key=value` or `key="quoted, value"` parameters.
 */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  const token = /\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)/y;
  const param = /\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/y;
  let position = 0;
  while (position < header.length) {
    // Skip separators between challenges.
    while (position < header.length && /[\s,]/.test(header[position]!)) position++;
    token.lastIndex = position;
    const scheme = token.exec(header);
    if (!scheme) break;
    position = token.lastIndex;
    const challenge: Challenge = { scheme: scheme[1]!.toLowerCase(), params: {} };
    challenges.push(challenge);
    for (;;) {
      param.lastIndex = position;
      const match = param.exec(header);
      if (!match) break;
      challenge.params[match[1]!.toLowerCase()] = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!;
      position = param.lastIndex;
      // A comma then a parameter continues this challenge; a comma then a bare token starts the next.
      const rest = /^\s*,\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*(=?)/.exec(header.slice(position));
      if (!rest || rest[2] !== '=') break;
      position += rest[0].indexOf(',') + 1;
    }
  }
  return challenges;
}

/** Merges scopes on the same resource (union of actions) and sorts them, so equal sets give equal keys. */
export function mergeScopes(scopes: Iterable<string>): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const scope of scopes) {
    for (const single of scope.split(' ')) {
      if (!single) continue;
      const colon = single.lastIndexOf(':');
      const resource = single.slice(0, colon);
      const actions = byResource.get(resource) ?? new Set<string>();
      for (const action of single.slice(colon + 1).split(',')) if (action) actions.add(action);
      byResource.set(resource, actions);
    }
  }
  return [...byResource.entries()].map(([resource, actions]) => `${resource}:${[...actions].sort().join(',')}`).sort();
}

export interface TokenSender {
  (request: { method: string; url: string; headers: Record<string, string>; body?: Uint8Array }): Promise<Dispatcher.ResponseData>;
}

export interface AuthenticatorOptions {
  credentials?: (registry: string) => Promise<ClientCredential>;
  send: TokenSender;
  /**
   * Whether credentials for `registryHost` may go to a token realm on `realmHost` over plain HTTP:
   * yes when the registry itself is plain HTTP or the user opted into it for that host.
   */
  mayUsePlainHttp?: (registryHost: string, realmHost: string) => Promise<boolean>;
  now?: () => number;
}

interface CachedToken {
  header: string;
  expiresAt: number;
}

/** Tokens are dropped this long before they expire, so a request never goes out with a dying one. */
const EXPIRY_MARGIN_MS = 10_000;
const DEFAULT_EXPIRES_IN_S = 60;

/**
 * Remembers each host's challenge, resolves credentials once per host, fetches and caches bearer
 * tokens per (host, scope set). Never puts a secret in an error.
 */
export class Authenticator {
  readonly #options: AuthenticatorOptions;
  readonly #challenges = new Map<string, Challenge>();
  readonly #credentials = new Map<string, Promise<ClientCredential>>();
  readonly #tokens = new Map<string, Promise<CachedToken>>();

  constructor(options: AuthenticatorOptions) {
    this.#options = options;
  }

  #now(): number {
    return this.#options.now?.() ?? Date.now();
  }

  #credentialFor(host: string): Promise<ClientCredential> {
    let credential = this.#credentials.get(host);
    if (!credential) {
      credential = this.#options.credentials ? this.#options.credentials(host) : Promise.resolve(undefined);
      this.#credentials.set(host, credential);
    }
    return credential;
  }

  /** Whether any credentials are configured for `host` (resolved once and cached, like for requests). */
  /** Whether `host` has asked for authentication (answered a 401 with a challenge) in this client's life. */
  askedForCredentials(host: string): boolean {
    return this.#challenges.has(host);
  }

  async hasCredentials(host: string): Promise<boolean> {
    return (await this.#credentialFor(host)) !== undefined;
  }

  /** The `Authorization` value for a request to `host` needing `scopes`, when the host asked for auth. */
  async authorization(host: string, scopes: string[]): Promise<string | undefined> {
    const challenge = this.#challenges.get(host);
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') {
      const credential = await this.#credentialFor(host);
      if (!credential) return undefined;
      return basicHeader(credential);
    }
    if (challenge.scheme === 'bearer') {
      const merged = mergeScopes(scopes);
      const key = `${host} ${merged.join(' ')}`;
      const cached = this.#tokens.get(key);
      if (cached) {
        const token = await cached.catch(() => undefined);
        if (token && token.expiresAt > this.#now()) return token.header;
      }
      const fresh = this.#fetchToken(host, challenge, merged);
      this.#tokens.set(key, fresh);
      fresh.catch(() => this.#tokens.delete(key));
      return (await fresh).header;
    }
    return undefined;
  }

  /**
   * Learns from a 401. Returns true when a new attempt with fresh authorization makes sense
   * (a challenge we can answer); cached tokens for these scopes are dropped.
   */
  async onUnauthorized(host: string, wwwAuthenticate: string | string[] | undefined, scopes: string[]): Promise<boolean> {
    const header = Array.isArray(wwwAuthenticate) ? wwwAuthenticate.join(', ') : wwwAuthenticate;
    if (!header) return false;
    const challenges = parseChallenges(header);
    const challenge = challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
    if (!challenge) return false;
    this.#challenges.set(host, challenge);
    if (challenge.scheme === 'basic') return (await this.#credentialFor(host)) !== undefined;
    const merged = mergeScopes(scopes);
    this.#tokens.delete(`${host} ${merged.join(' ')}`);
    return true;
  }

  async #fetchToken(host: string, challenge: Challenge, scopes: string[]): Promise<CachedToken> {
    const realm = challenge.params.realm;
    if (!realm) {
      throw new RegistryError(`registry ${host} asked for a bearer token without naming a realm`, {
        kind: 'unauthorized',
        operation: 'fetch token',
        reference: host,
      });
    }
    realmUrl(host, realm);
    // The challenge may carry the scope the failing request needed; ask for it too.
    const wanted = mergeScopes([...scopes, ...(challenge.params.scope ? [challenge.params.scope] : [])]);
    const credential = await this.#credentialFor(host);
    if (credential) await this.#refusePlainHttpRealm(host, realm);
    const service = challenge.params.service;
    let response: Dispatcher.ResponseData;
    if (credential && 'identityToken' in credential) {
      response = await this.#postOAuth2(realm, service, wanted, credential.identityToken);
      if (response.statusCode === 404) {
        await response.body.dump();
        response = await this.#getToken(realm, service, wanted, credential);
      }
    } else {
      response = await this.#getToken(realm, service, wanted, credential);
    }
    const realmForMessage = realm.split('?')[0];
    if (response.statusCode !== 200 && credential && 'identityToken' in credential && (response.statusCode === 401 || response.statusCode === 400)) {
      // ACR answers 401 (others 400 invalid_grant) for a refresh token that expired or was revoked.
      await readErrorBody(response);
      throw new RegistryError(
        `token request to ${realmForMessage} failed: ${statusLine(response.statusCode)} — the registry refused the identity (refresh) token stored for ${host}: it has expired or was revoked; log in again (for ACR: az acr login --name <registry>)`,
        { kind: 'unauthorized', operation: 'fetch token', reference: realmForMessage, status: response.statusCode },
      );
    }
    if (response.statusCode !== 200) {
      await readErrorBody(response);
      throw new RegistryError(`token request to ${realmForMessage} failed: ${statusLine(response.statusCode)}`, {
        kind: 'unauthorized',
        operation: 'fetch token',
        reference: realmForMessage,
        status: response.statusCode,
      });
    }
    const answer = await readJsonAnswer(response, { limit: MAX_TOKEN_ANSWER, what: `fetch token from ${realmForMessage}`, noun: 'token answer' });
    const body = (typeof answer === 'object' && answer !== null ? answer : {}) as { token?: unknown; access_token?: unknown; expires_in?: unknown };
    const token = typeof body.token === 'string' && body.token ? body.token : body.access_token;
    if (typeof token === 'string' && !/^[\x21-\x7e]+$/.test(token)) {
      throw new RegistryError(`token service ${realmForMessage} answered a token with characters a header cannot carry`, {
        kind: 'failure',
        operation: 'fetch token',
        reference: realmForMessage,
      });
    }
    if (typeof token !== 'string' || !token) {
      throw new RegistryError(`token service ${realmForMessage} answered without a token`, {
        kind: 'unauthorized',
        operation: 'fetch token',
        reference: realmForMessage,
      });
    }
    const expiresIn = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_EXPIRES_IN_S;
    const lifetime = Math.max(expiresIn * 1000 - EXPIRY_MARGIN_MS, (expiresIn * 1000) / 2);
    return { header: `Bearer ${token}`, expiresAt: this.#now() + lifetime };
  }

  /** A password or refresh token never crosses the network in clear unless the user said so. */
  async #refusePlainHttpRealm(host: string, realm: string): Promise<void> {
    const url = realmUrl(host, realm);
    if (url.protocol === 'https:') return;
    if (url.protocol === 'http:' && (await (this.#options.mayUsePlainHttp?.(host, url.host) ?? Promise.resolve(false)))) return;
    throw new RegistryError(
      `registry ${host} asked for credentials to be sent to ${url.protocol}//${url.host} in clear; refused (only --insecure allows credentials over plain HTTP)`,
      { kind: 'failure', operation: 'fetch token', reference: host },
    );
  }

  #getToken(realm: string, service: string | undefined, scopes: string[], credential: ClientCredential) {
    const url = new URL(realm);
    if (service) url.searchParams.append('service', service);
    for (const scope of scopes) url.searchParams.append('scope', scope);
    const headers: Record<string, string> = {};
    if (credential) headers.authorization = basicHeader(credential);
    return this.#options.send({ method: 'GET', url: url.toString(), headers });
  }

  #postOAuth2(realm: string, service: string | undefined, scopes: string[], refreshToken: string) {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'par' });
    if (service) form.set('service', service);
    if (scopes.length > 0) form.set('scope', scopes.join(' '));
    return this.#options.send({
      method: 'POST',
      url: realm,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new TextEncoder().encode(form.toString()),
    });
  }
}

/** The realm of a Bearer challenge as a URL: an http(s) URL, or an error saying what the registry sent. */
function realmUrl(host: string, realm: string): URL {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new RegistryError(`registry ${host} named a token realm that is not a URL: ${JSON.stringify(realm.slice(0, 200))}`, {
      kind: 'failure',
      operation: 'fetch token',
      reference: host,
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RegistryError(`registry ${host} named a token realm that is not an http(s) URL (${url.protocol})`, {
      kind: 'failure',
      operation: 'fetch token',
      reference: host,
    });
  }
  return url;
}

function basicHeader(credential: NonNullable<ClientCredential>): string {
  // An identity token alone goes as Docker does it: user "<token>".
  const pair = 'identityToken' in credential ? `<token>:${credential.identityToken}` : `${credential.username}:${credential.password}`;
  return `Basic ${Buffer.from(pair).toString('base64')}`;
}
