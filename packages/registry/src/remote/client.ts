import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { Authenticator, type ClientCredential } from '../http/auth.js';
import { interruptedError, RegistryError } from '../oci/errors.js';
import { apiHost, type RepositoryReference } from '../oci/reference.js';
import { markSentWithoutCredentials, type RegistryResponse } from '../http/registry-errors.js';
import { RegistryRepository } from './repository.js';
import { DEFAULT_RETRY_POLICY, type RetryOptions, type RetryPolicy, withRetry } from '../http/retry.js';
import { Transport, type TransportOptions } from '../http/transport.js';
import type { RegistryConnection, RegistryRequest, RequestBody } from './connection.js';
import { UploadStrategies, type UploadStrategy } from './upload-strategy.js';
import type { ReferrersTuning } from './referrers.js';

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
  /** Client certificate and key (PEM) for registries that require one (besides Docker's certs.d/<host>/). */
  certFile?: string;
  keyFile?: string;
  /** Where Docker's `certs.d/<host>/` folders are looked for (default: Docker's and Podman's places). */
  certsDirectories?: string[];
  userAgent?: string;
  /** Upload strategy per API host (`ghcr.io`, `127.0.0.1:5001`); known hosts have defaults. */
  uploadStrategy?: Record<string, UploadStrategy>;
  retry?: Partial<RetryPolicy>;
  /**
   * Interrupts the client: requests in flight are aborted and new ones refused (their streams fail,
   * so writes are rolled back), except clean-ups marked `survivesInterruption`.
   */
  signal?: AbortSignal;
  /** Stall timeout in ms for connect, first byte, idle body and whole in-memory answers (default 30 s). */
  timeoutMs?: number;
  /** Appended to timeout messages: how the user raises the timeout (`--timeout SECONDS`). */
  timeoutHint?: string;
  /** Sees every request's method, URL and status (never headers): for tests and `--debug`. */
  onRequest?: (info: RequestInfo) => void;
  /** Registry `Warning: 299` texts (deprecations, quota notices), each reported once per client. */
  onWarning?: (message: string) => void;
  /** For tests: replaces the undici agent. */
  dispatcher?: Dispatcher;
  /** Timing of fallback referrers index updates (the re-check delay). */
  referrers?: Partial<ReferrersTuning>;
}

const MAX_REDIRECTS = 5;
/** How long a clean-up request may take once the client was interrupted. */
const CLEANUP_TIMEOUT_MS = 3000;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * An OCI distribution client: one connection pool, one authenticator, retries and redirects.
 * `repository()` gives the Target for one repository.
 */
export class RegistryClient implements RegistryConnection {
  readonly #options: RegistryClientOptions;
  readonly #transport: Transport;
  readonly #auth: Authenticator;
  readonly #retry: RetryOptions;
  readonly #registryOfHost = new Map<string, string>();
  readonly #uploadStrategies: UploadStrategies;
  /** Registry warnings already reported. */
  readonly #warned = new Set<string>();

  constructor(options: RegistryClientOptions = {}) {
    this.#options = options;
    const transportOptions: TransportOptions = {
      ...(options.caFile === undefined ? {} : { caFile: options.caFile }),
      ...(options.insecure === undefined ? {} : { insecure: options.insecure }),
      ...(options.insecureSkipTlsVerify === undefined ? {} : { insecureSkipTlsVerify: options.insecureSkipTlsVerify }),
      ...(options.certFile === undefined ? {} : { certFile: options.certFile }),
      ...(options.keyFile === undefined ? {} : { keyFile: options.keyFile }),
      ...(options.certsDirectories === undefined ? {} : { certsDirectories: options.certsDirectories }),
      ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.timeoutHint === undefined ? {} : { timeoutHint: options.timeoutHint }),
    };
    this.#transport = new Transport(transportOptions);
    this.#retry = options.retry ? { policy: { ...DEFAULT_RETRY_POLICY, ...options.retry } } : {};
    const credentials = options.credentials;
    this.#auth = new Authenticator({
      ...(credentials ? { credentials: (host: string) => credentials(this.#registryOfHost.get(host) ?? host) } : {}),
      send: (request) => {
        const realm = new URL(request.url);
        return this.#sendWithRetry(
          request.url,
          {
            method: request.method,
            headers: request.headers,
            body: request.body,
            what: `fetch token from ${realm.origin}${realm.pathname}`,
            role: 'token service',
            ...(options.signal === undefined ? {} : { signal: options.signal }),
          },
          realm.host,
          true,
        );
      },
      mayUsePlainHttp: async (registryHost, realmHost) =>
        (await this.#transport.origin(registryHost)).startsWith('http:') || this.#transport.isInsecure(realmHost),
    });
    this.#uploadStrategies = new UploadStrategies(options.uploadStrategy);
  }

  repository(name: RepositoryReference): RegistryRepository {
    return new RegistryRepository(this, name, this.#uploadStrategies, this.#options.referrers);
  }

  /** The upload strategy for a registry: configured, learned from a fallback, or the host's default. */
  uploadStrategy(registry: string): UploadStrategy {
    return this.#uploadStrategies.for(registry);
  }

  /** Whether the registry has asked this client for credentials (answered a 401 with a challenge). */
  askedForCredentials(registry: string): boolean {
    return this.#auth.askedForCredentials(apiHost(registry));
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
    const signal = request.survivesInterruption ? AbortSignal.timeout(CLEANUP_TIMEOUT_MS) : this.#options.signal;
    for (let attempt = 0; ; attempt++) {
      if (!request.survivesInterruption && signal?.aborted) throw interruptedError(`${request.operation} ${request.reference}`);
      const authorization = await this.#auth.authorization(host, request.scopes);
      const headers: Record<string, string> = { ...request.headers };
      if (this.#options.userAgent) headers['user-agent'] = this.#options.userAgent;
      const response = await this.#sendWithRetry(
        url,
        {
          method: request.method,
          headers,
          body: request.body,
          authorization,
          followRedirects: request.followRedirects ?? false,
          what: `${request.operation} ${request.reference}`,
          ...(request.committing === undefined ? {} : { answerTimeoutMs: answerTimeoutFor(request.committing, this.#transport.timeoutMs) }),
          ...(request.streaming === true ? { streaming: true } : {}),
          ...(signal === undefined ? {} : { signal }),
        },
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
    const answered = (response as RegistryResponse).answeredBy;
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
    request: OutgoingRequest,
    host: string,
    replayable: boolean,
  ): Promise<Dispatcher.ResponseData> {
    return withRetry(() => this.#sendFollowingRedirects(url, request, host), replayable, this.#retry);
  }

  async #sendFollowingRedirects(startUrl: string, request: OutgoingRequest, host: string): Promise<Dispatcher.ResponseData> {
    let url = startUrl;
    const visited = new Set<string>();
    for (let redirects = 0; ; redirects++) {
      visited.add(url);
      const headers = { ...request.headers };
      // Credentials only ever go to the registry's own host.
      if (request.authorization && new URL(url).host === host) headers.authorization = request.authorization;
      const body = typeof request.body === 'function' ? await request.body() : request.body;
      const response = await this.#transport.send({
        method: request.method,
        url,
        headers,
        host,
        what: request.what,
        ...(request.role === undefined ? {} : { role: request.role }),
        ...(request.answerTimeoutMs === undefined ? {} : { answerTimeoutMs: request.answerTimeoutMs }),
        ...(request.streaming === true ? { streaming: true } : {}),
        ...(request.signal === undefined ? {} : { signal: request.signal }),
        ...(body === undefined ? {} : { body }),
      });
      (response as RegistryResponse).answeredBy = new URL(url);
      this.#options.onRequest?.({ method: request.method, url: withoutQuery(url), status: response.statusCode });
      this.#reportWarnings(host, response.headers['warning']);
      const location = response.headers.location;
      if (!request.followRedirects || !REDIRECT_STATUSES.has(response.statusCode) || typeof location !== 'string') return response;
      await response.body.dump();
      url = redirectTarget(location, url, request.what);
      if (visited.has(url)) {
        throw new RegistryError(`${request.what}: redirect loop (${new URL(url).host} sent par back to ${withoutQuery(url)}, already visited)`, {
          kind: 'failure',
          operation: request.what,
          status: response.statusCode,
        });
      }
      if (redirects >= MAX_REDIRECTS) {
        throw new RegistryError(`${request.what}: more than ${MAX_REDIRECTS} redirects (the last to ${withoutQuery(url)}); gave up`, {
          kind: 'failure',
          operation: request.what,
          status: response.statusCode,
        });
      }
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

interface OutgoingRequest {
  method: string;
  headers: Record<string, string>;
  body?: RequestBody | undefined;
  authorization?: string | undefined;
  followRedirects?: boolean;
  /** `fetch blob 127.0.0.1:5001/x@sha256:…`, for messages. */
  what: string;
  /** The server's role when it is not the registry (`token service`). */
  role?: string;
  signal?: AbortSignal;
  answerTimeoutMs?: number;
  streaming?: boolean;
}

/**
 * How long a registry may take to answer the commit of `bytes` uploaded: the timeout, plus time to
 * re-read them at 10 MiB/s (distribution re-reads a blob from S3 to check its digest). A stalled
 * commit of a small blob is still reported within the timeout.
 */
export function answerTimeoutFor(bytes: number, timeoutMs: number): number {
  return timeoutMs + Math.floor(bytes / (10 * 1024 * 1024)) * 1000;
}

/** A redirect's target: only http(s), and a Location that is a URL at all (never undici's bare "Invalid URL"). */
function redirectTarget(location: string, from: string, what: string): string {
  let target: URL;
  try {
    target = new URL(location, from);
  } catch {
    throw new RegistryError(`${what}: ${new URL(from).host} redirected to a malformed URL ${JSON.stringify(location.slice(0, 200))}`, {
      kind: 'failure',
      operation: what,
    });
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') {
    throw new RegistryError(`${what}: ${new URL(from).host} redirected to a ${target.protocol} URL; par follows only http and https redirects`, {
      kind: 'failure',
      operation: what,
    });
  }
  return target.toString();
}

/** Upload locations carry opaque state, storage redirects carry signatures: keep them out of logs. */
function withoutQuery(url: string): string {
  const parsed = new URL(url);
  return parsed.origin + parsed.pathname;
}
