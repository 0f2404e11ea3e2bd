import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { Authenticator, type ClientCredential } from './auth.js';
import { RegistryError } from './errors.js';
import { apiHost, type RepositoryReference } from './reference.js';
import { markSentWithoutCredentials } from './registry-errors.js';
import { RegistryRepository } from './repository.js';
import { DEFAULT_RETRY_POLICY, type RetryOptions, type RetryPolicy, withRetry } from './retry.js';
import { Transport, type TransportOptions } from './transport.js';
import { defaultUploadStrategy, type UploadStrategy } from './upload.js';

/** Bytes of a request: a buffer, a factory opening a fresh stream (replayable), or a one-shot stream. */
export type RequestBody = Uint8Array | (() => Promise<Readable>) | Readable;

export interface RegistryRequest {
  /** Registry as written in the reference (`docker.io`, `127.0.0.1:5001`). */
  registry: string;
  method: string;
  /** Path from the registry root, e.g. `/v2/foo/manifests/v1`; or `url` for an absolute `Location`. */
  path?: string;
  url?: string;
  headers?: Record<string, string>;
  body?: RequestBody;
  /** Token scopes this request needs, e.g. `repository:foo:pull`. */
  scopes: string[];
  /** For error messages: what we were doing and to what. */
  operation: string;
  reference: string;
  /** Follow 3xx (blob GETs are redirected to storage). */
  followRedirects?: boolean;
}

export interface RequestInfo {
  method: string;
  url: string;
  status: number;
}

export interface RegistryClientOptions {
  credentials?: (registry: string) => Promise<ClientCredential>;
  caFile?: string;
  insecure?: boolean | string[];
  insecureSkipTlsVerify?: boolean;
  userAgent?: string;
  /** Upload strategy per API host (`ghcr.io`, `127.0.0.1:5001`); known hosts have defaults. */
  uploadStrategy?: Record<string, UploadStrategy>;
  retry?: Partial<RetryPolicy>;
  /** Sees every request's method, URL and status (never headers): for tests and `--debug`. */
  onRequest?: (info: RequestInfo) => void;
  /** Registry `Warning: 299` texts (deprecations, quota notices), each reported once per client. */
  onWarning?: (message: string) => void;
  /** For tests: replaces the undici agent. */
  dispatcher?: Dispatcher;
}

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * An OCI distribution client: one connection pool, one authenticator, retries and redirects.
 * `repository()` gives the Target for one repository.
 */
export class RegistryClient {
  readonly #options: RegistryClientOptions;
  readonly #transport: Transport;
  readonly #auth: Authenticator;
  readonly #retry: RetryOptions;
  readonly #registryOfHost = new Map<string, string>();
  readonly #uploadStrategies = new Map<string, UploadStrategy>();
  /** Registry warnings already reported. */
  readonly #warned = new Set<string>();
  /** The URL that gave each response, after redirects: a 401 counts only from the registry's own host. */
  readonly #answeredBy = new WeakMap<Dispatcher.ResponseData, URL>();

  constructor(options: RegistryClientOptions = {}) {
    this.#options = options;
    const transportOptions: TransportOptions = {
      ...(options.caFile === undefined ? {} : { caFile: options.caFile }),
      ...(options.insecure === undefined ? {} : { insecure: options.insecure }),
      ...(options.insecureSkipTlsVerify === undefined ? {} : { insecureSkipTlsVerify: options.insecureSkipTlsVerify }),
      ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
    };
    this.#transport = new Transport(transportOptions);
    this.#retry = options.retry ? { policy: { ...DEFAULT_RETRY_POLICY, ...options.retry } } : {};
    const credentials = options.credentials;
    this.#auth = new Authenticator({
      ...(credentials ? { credentials: (host: string) => credentials(this.#registryOfHost.get(host) ?? host) } : {}),
      send: (request) =>
        this.#sendWithRetry(request.url, { method: request.method, headers: request.headers, body: request.body }, new URL(request.url).host, true),
      mayUsePlainHttp: async (registryHost, realmHost) =>
        (await this.#transport.origin(registryHost)).startsWith('http:') || this.#transport.isInsecure(realmHost),
    });
    for (const [host, strategy] of Object.entries(options.uploadStrategy ?? {})) this.#uploadStrategies.set(host, strategy);
  }

  repository(name: RepositoryReference): RegistryRepository {
    return new RegistryRepository(this, name);
  }

  /** The upload strategy for a registry: configured, learned from a fallback, or the host's default. */
  uploadStrategy(registry: string): UploadStrategy {
    const host = apiHost(registry);
    return this.#uploadStrategies.get(host) ?? defaultUploadStrategy(host);
  }

  /** Remembers a strategy that worked after a fallback, for the rest of this client's life. */
  rememberUploadStrategy(registry: string, strategy: UploadStrategy): void {
    this.#uploadStrategies.set(apiHost(registry), strategy);
  }

  /** `https://host` or `http://host` for a registry. */
  async origin(registry: string): Promise<string> {
    return this.#transport.origin(apiHost(registry));
  }

  /**
   * Sends one registry request: scheme, auth (answering one 401 challenge), retries, redirects.
   * The caller owns the response body.
   */
  async send(request: RegistryRequest): Promise<Dispatcher.ResponseData> {
    const host = apiHost(request.registry);
    this.#registryOfHost.set(host, request.registry);
    const url = request.url ?? (await this.#transport.origin(host)) + (request.path ?? '/');
    const replayable = !(request.body instanceof Readable);
    for (let attempt = 0; ; attempt++) {
      const authorization = await this.#auth.authorization(host, request.scopes);
      const headers: Record<string, string> = { ...request.headers };
      if (this.#options.userAgent) headers['user-agent'] = this.#options.userAgent;
      const response = await this.#sendWithRetry(
        url,
        { method: request.method, headers, body: request.body, authorization, followRedirects: request.followRedirects ?? false },
        host,
        replayable,
      );
      if (response.statusCode === 401) await this.#refuseForeignChallenge(response, host, request);
      if (response.statusCode !== 401 || attempt > 0 || !replayable) return this.#markIfAnonymous(response, host);
      const retry = await this.#auth.onUnauthorized(host, response.headers['www-authenticate'], request.scopes);
      if (!retry) return this.#markIfAnonymous(response, host);
      await response.body.dump();
    }
  }

  /**
   * Only the registry's own host may ask for the registry's credentials. A 401 from a storage
   * redirect, an upload `Location` or a `Link` on another host is that host's business: answering
   * its challenge would send the user's password (or the registry's token) where it does not belong.
   */
  async #refuseForeignChallenge(response: Dispatcher.ResponseData, host: string, request: RegistryRequest): Promise<void> {
    const answered = this.#answeredBy.get(response);
    if (answered === undefined || answered.host === host) return;
    await response.body.dump();
    throw new RegistryError(
      `${request.operation} ${request.reference}: ${answered.host} (not the registry ${host}) answered 401 asking for credentials; par sends credentials only to the registry itself`,
      { kind: 'failure', operation: request.operation, reference: request.reference, status: 401 },
    );
  }

  /** A refusal of a request sent without credentials (none configured) is reported as "log in", not "wrong password". */
  async #markIfAnonymous(response: Dispatcher.ResponseData, host: string): Promise<Dispatcher.ResponseData> {
    if (response.statusCode === 401 || response.statusCode === 403) {
      const configured = await this.#auth.hasCredentials(host).catch(() => true);
      if (!configured) markSentWithoutCredentials(response);
    }
    return response;
  }

  #sendWithRetry(
    url: string,
    request: { method: string; headers: Record<string, string>; body?: RequestBody | undefined; authorization?: string | undefined; followRedirects?: boolean },
    host: string,
    replayable: boolean,
  ): Promise<Dispatcher.ResponseData> {
    return withRetry(() => this.#sendFollowingRedirects(url, request, host), replayable, this.#retry);
  }

  async #sendFollowingRedirects(
    startUrl: string,
    request: { method: string; headers: Record<string, string>; body?: RequestBody | undefined; authorization?: string | undefined; followRedirects?: boolean },
    host: string,
  ): Promise<Dispatcher.ResponseData> {
    let url = startUrl;
    for (let redirects = 0; ; redirects++) {
      const headers = { ...request.headers };
      // Credentials only ever go to the registry's own host.
      if (request.authorization && new URL(url).host === host) headers.authorization = request.authorization;
      const body = typeof request.body === 'function' ? await request.body() : request.body;
      const response = await this.#transport.send({ method: request.method, url, headers, host, ...(body === undefined ? {} : { body }) });
      this.#answeredBy.set(response, new URL(url));
      this.#options.onRequest?.({ method: request.method, url: withoutQuery(url), status: response.statusCode });
      this.#reportWarnings(host, response.headers['warning']);
      const location = response.headers.location;
      if (!request.followRedirects || !REDIRECT_STATUSES.has(response.statusCode) || typeof location !== 'string' || redirects >= MAX_REDIRECTS) {
        return response;
      }
      await response.body.dump();
      url = new URL(location, url).toString();
    }
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }

  /** `Warning: 299 - "text"` is how registries announce deprecations and limits (OCI distribution spec). */
  #reportWarnings(host: string, header: string | string[] | undefined): void {
    if (this.#options.onWarning === undefined || header === undefined) return;
    for (const value of Array.isArray(header) ? header : [header]) {
      const text = /^\s*299\s+\S+\s+"((?:[^"\\]|\\.)*)"/.exec(value)?.[1];
      if (text === undefined || this.#warned.has(text)) continue;
      this.#warned.add(text);
      this.#options.onWarning(`registry ${host} warns: ${text}`);
    }
  }
}

/** Upload locations carry opaque state, storage redirects carry signatures: keep them out of logs. */
function withoutQuery(url: string): string {
  const parsed = new URL(url);
  return parsed.origin + parsed.pathname;
}
