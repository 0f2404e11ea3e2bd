import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import { ParError } from '@par/errors';
import type { Dispatcher } from 'undici';
import { interruptedError, RegistryError } from '../oci/errors.js';
import { isLoopbackHost } from '../oci/reference.js';
import { type ChosenProxy, proxyFor } from './proxy.js';
import { TlsOptionsByHost } from './tls.js';
import { Agent, loadProxyAgent, Pool } from './undici-agent.js';


export interface TransportOptions {
  /** Extra CA bundle (PEM) trusted in addition to the system CAs. */
  caFile?: string;
  /** Plain HTTP for every host (`true`) or for the listed hosts. */
  insecure?: boolean | string[];
  /** Accept any certificate (still TLS). */
  insecureSkipTlsVerify?: boolean;
  /** Client certificate and key (PEM), for registries that require one. */
  certFile?: string;
  keyFile?: string;
  /** Where Docker's `certs.d/<host>/` folders are looked for (default: Docker's and Podman's places). */
  certsDirectories?: string[];
  /** Proxy variables (`HTTPS_PROXY`, `NO_PROXY`…); default the process environment. */
  environment?: Record<string, string | undefined>;
  /** Connections per origin kept by the pool. */
  connectionsPerHost?: number;
  /**
   * How long any network step may stall, in ms: connecting (TLS included), waiting for an answer
   * to begin, a pause inside an answer; and the whole of an answer read into memory. Default 30 s.
   */
  timeoutMs?: number;
  /** Appended to timeout messages, e.g. how to raise the timeout in the calling program. */
  timeoutHint?: string;
  /** For tests: a dispatcher to use instead of the agent built from the options above. */
  dispatcher?: Dispatcher;
}

/** Seconds, not undici's 300 s: a stalled server is reported while the user still waits for it. */
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface TransportRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: Uint8Array | Readable;
  /** The registry this request is for; a URL on another host is named as such in messages. */
  host: string;
  /** What par was doing, for messages about stalls: `fetch manifest 127.0.0.1:5001/x:1`. */
  what?: string;
  /** The server's role when it is not the registry (`token service`), for messages. */
  role?: string;
  /** Wait this long for the answer to begin instead of the timeout (a registry committing a large upload). */
  answerTimeoutMs?: number;
  /**
   * The answer is a stream of any length (a blob): only the idle timeout applies to its body. Any
   * other body is cut off once it has taken longer than the timeout, whoever reads it.
   */
  streaming?: boolean;
  /** Aborts the request and its body (the user interrupted par). */
  signal?: AbortSignal;
}

/** What the transport knows about an answer: who sent it and by when its body must be read. */
export interface AnswerInfo {
  /** `registry 127.0.0.1:5001`, `token service auth:5005`, `storage:9000 (where registry r sent par)`. */
  who: string;
  /** Epoch ms by which a body read into memory must be complete: the timeout after the answer began. */
  deadline: number;
  timeoutMs: number;
  /** ` (…how to wait longer)`, or empty. */
  hint: string;
}

const answers = new WeakMap<Dispatcher.ResponseData, AnswerInfo>();

export function answerOf(response: Dispatcher.ResponseData): AnswerInfo | undefined {
  return answers.get(response);
}

const cutOff = new WeakSet<Dispatcher.ResponseData>();

/** Whether the transport ended this answer's body because it was still coming at its deadline. */
export function wasCutOff(response: Dispatcher.ResponseData): boolean {
  return cutOff.has(response);
}

export type Scheme = 'https' | 'http';

/** Certificate problems: reported as such, never a reason to fall back to plain HTTP. */
const CERTIFICATE_ERROR_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

/** What a TLS client sees when the server speaks plain HTTP. */
const NOT_TLS_ERROR_CODES = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_HTTP_REQUEST',
  'EPROTO',
  'ECONNRESET',
]);

const NETWORK_ERROR_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  UND_ERR_SOCKET: 'connection closed by the server',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/**
 * Network errors worth another attempt: the connection existed or may come back. Stalls (par's own
 * timeouts) are not: a server that said nothing for the whole timeout has had its chance, and
 * retrying would multiply the wait by the number of attempts.
 */
const RETRYABLE_NETWORK_CODES = new Set([
  'ETIMEDOUT',
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
]);

/** A network-level failure (no HTTP answer). `retryable` tells the retry layer whether to try again. */
export class NetworkError extends RegistryError {
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean, cause: unknown) {
    super(message, { kind: 'failure', operation: 'connect', cause });
    this.retryable = retryable;
  }
}

/** The error codes along an error's cause chain (undici wraps socket errors). */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    const message = (current as { message?: unknown }).message;
    if (typeof message === 'string' && /wrong version number|packet length too long|http request/i.test(message)) {
      codes.push('ERR_SSL_WRONG_VERSION_NUMBER');
    }
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

export function isCertificateError(error: unknown): boolean {
  return errorCodes(error).some((code) => CERTIFICATE_ERROR_CODES.has(code));
}

function isNotTlsError(error: unknown): boolean {
  return errorCodes(error).some((code) => NOT_TLS_ERROR_CODES.has(code));
}

/** How the stall of each undici timeout reads in a message. */
const STALLS: Record<string, (who: string, seconds: number) => string> = {
  UND_ERR_CONNECT_TIMEOUT: (who, s) => `could not connect to ${who} within ${s} s`,
  UND_ERR_HEADERS_TIMEOUT: (who, s) => `${who} sent no answer within ${s} s`,
  UND_ERR_BODY_TIMEOUT: (who, s) => `${who} stopped sending its answer for ${s} s`,
};

/** TLS alerts of a server that wants a (different) client certificate. */
const CLIENT_CERTIFICATE_ALERTS = /ALERT_CERTIFICATE_REQUIRED|ALERT_BAD_CERTIFICATE|ALERT_UNKNOWN_CA|ALERT_HANDSHAKE_FAILURE/;

export interface NetworkErrorContext {
  /** The server as messages name it (`registry h`, `token service h`, `h (where registry r sent par)`). */
  who?: string;
  /** What par was doing, prefixed to stall messages. */
  what?: string;
  timeoutMs?: number;
  hint?: string;
}

/** Turns whatever undici threw into one line naming the host (and, for a stall, what stalled). */
export function networkError(error: unknown, host: string, context: NetworkErrorContext = {}): RegistryError {
  if (error instanceof RegistryError) return error;
  const who = context.who ?? `registry ${host}`;
  const codes = errorCodes(error);
  if (codes.some((code) => CERTIFICATE_ERROR_CODES.has(code))) {
    const code = codes.find((c) => CERTIFICATE_ERROR_CODES.has(c));
    return new NetworkError(
      `TLS certificate of ${who} is not trusted (${code}); pass --ca-file <pem> with the CA that signed it, or --insecure-skip-tls-verify`,
      false,
      error,
    );
  }
  if ((error as { name?: string }).name === 'AbortError') return error as RegistryError;
  if (codes.some((c) => CLIENT_CERTIFICATE_ALERTS.test(c))) {
    return new NetworkError(
      `${who} refused the TLS connection: it requires a client certificate that it accepts (pass --cert-file and --key-file, or put client.cert and client.key in ~/.docker/certs.d/${host}/)`,
      false,
      error,
    );
  }
  const stall = codes.find((c) => c in STALLS);
  if (stall !== undefined) {
    const seconds = (context.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000;
    const prefix = context.what ? `${context.what}: ` : '';
    return new NetworkError(`${prefix}${STALLS[stall]!(who, seconds)}; gave up${context.hint ?? ''}`, false, error);
  }
  const code = codes.find((c) => c in NETWORK_ERROR_TEXT);
  const text = code ? NETWORK_ERROR_TEXT[code] : ((error as Error).message ?? String(error));
  return new NetworkError(`cannot reach ${who}: ${text}`, code !== undefined && RETRYABLE_NETWORK_CODES.has(code), error);
}

/** A failure while reading an answer's body, named after the server that sent the answer. */
export function bodyNetworkError(response: Dispatcher.ResponseData, error: unknown, what: string): RegistryError {
  const answer = answers.get(response);
  return networkError(error, '', answer === undefined ? { what } : { who: answer.who, what, timeoutMs: answer.timeoutMs, hint: answer.hint });
}

/**
 * One keep-alive connection pool per client, the TLS policy, and the per-host scheme decision.
 */
export class Transport {
  readonly #dispatcher: Dispatcher;
  readonly #insecure: boolean | string[];
  readonly #schemes = new Map<string, Promise<Scheme>>();
  readonly #timeoutMs: number;
  readonly #hint: string;
  readonly #tls: TlsOptionsByHost;
  readonly #options: TransportOptions;
  /** One proxy agent per (proxy, registry host): the host's TLS options ride on it. */
  readonly #proxied = new Map<string, Dispatcher>();

  constructor(options: TransportOptions = {}) {
    this.#options = options;
    this.#insecure = options.insecure ?? false;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#hint = options.timeoutHint ? ` (${options.timeoutHint})` : '';
    this.#tls = new TlsOptionsByHost({
      ...(options.caFile === undefined ? {} : { caFile: options.caFile }),
      ...(options.certFile === undefined ? {} : { certFile: options.certFile }),
      ...(options.keyFile === undefined ? {} : { keyFile: options.keyFile }),
      ...(options.insecureSkipTlsVerify === undefined ? {} : { insecureSkipTlsVerify: options.insecureSkipTlsVerify }),
      ...(options.certsDirectories === undefined ? {} : { certsDirectories: options.certsDirectories }),
    });
    this.#dispatcher =
      options.dispatcher ??
      new Agent({
        connections: options.connectionsPerHost ?? 8,
        keepAliveTimeout: 10_000,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
        // Each origin's pool connects with that host's TLS options (certs.d is per host).
        factory: (origin, poolOptions) =>
          new Pool(origin, { ...poolOptions, connect: { timeout: this.#timeoutMs, ...this.#tls.for(new URL(origin).host) } }),
      });
  }

  /** The dispatcher for a URL: direct, or through the proxy the environment names for it. */
  async #route(url: URL): Promise<{ dispatcher: Dispatcher; proxy?: ChosenProxy }> {
    if (this.#options.dispatcher) return { dispatcher: this.#dispatcher };
    const proxy = proxyFor(url, this.#options.environment ?? process.env);
    if (proxy === undefined) return { dispatcher: this.#dispatcher };
    const key = `${proxy.url.href} ${url.host}`;
    // Loaded before the look-up, so two requests at once cannot both build an agent for the key.
    const ProxyAgent = await loadProxyAgent();
    let dispatcher = this.#proxied.get(key);
    if (dispatcher === undefined) {
      dispatcher = new ProxyAgent({
        uri: proxy.url.href,
        connections: this.#options.connectionsPerHost ?? 8,
        keepAliveTimeout: 10_000,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
        // Plain-HTTP registries get absolute-URI requests, as curl sends them; HTTPS ones a CONNECT tunnel.
        proxyTunnel: false,
        proxyTls: { timeout: this.#timeoutMs },
        // SNI carries host names only (RFC 6066): none for an IP address.
        requestTls: { timeout: this.#timeoutMs, ...this.#tls.for(url.host), ...(isIP(url.hostname.replace(/^\[|\]$/g, '')) ? {} : { servername: url.hostname }) },
      });
      this.#proxied.set(key, dispatcher);
    }
    return { dispatcher, proxy };
  }

  /**
   * A TLS 1.3 server that wants a client certificate sends its alert after the handshake, so the
   * client sees only a connection closed before any byte of an answer. Said so when par sent none.
   */
  #closedAfterHandshake(error: unknown, host: string): boolean {
    const socket = (error as { socket?: { bytesRead?: unknown } }).socket;
    return errorCodes(error).includes('UND_ERR_SOCKET') && socket?.bytesRead === 0 && this.#tls.for(host).cert === undefined;
  }

  /** The stall timeout in ms (connect, first byte, idle, whole small answer). */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /** Whether the user opted into plain HTTP for `host` (`--insecure`). */
  isInsecure(host: string): boolean {
    return this.#insecure === true || (Array.isArray(this.#insecure) && this.#insecure.includes(host));
  }

  /** `https://host` or `http://host`, decided once per host. */
  origin(host: string): Promise<string> {
    let scheme = this.#schemes.get(host);
    if (!scheme) {
      scheme = this.#decideScheme(host);
      this.#schemes.set(host, scheme);
      // A failed probe (e.g. registry not up yet) must not stick.
      scheme.catch(() => this.#schemes.delete(host));
    }
    return scheme.then((s) => `${s}://${host}`);
  }

  async #decideScheme(host: string): Promise<Scheme> {
    if (this.isInsecure(host)) return 'http';
    if (!isLoopbackHost(host)) return 'https';
    // Loopback: HTTPS when the server speaks TLS at all; plain HTTP only when it does not.
    const route = await this.#route(new URL(`https://${host}/v2/`));
    try {
      const response = await route.dispatcher.request({ origin: `https://${host}`, path: '/v2/', method: 'GET' });
      cutOffAt(response, Date.now() + this.#timeoutMs);
      await response.body.dump();
      return 'https';
    } catch (error) {
      // Named by the server alone: "could not connect to registry h within 5 s" says it all.
      const context = { timeoutMs: this.#timeoutMs, hint: this.#hint };
      if (route.proxy !== undefined && isProxyFailure(error)) throw proxyError(error, route.proxy, host);
      if (this.#closedAfterHandshake(error, host)) throw clientCertificateHint(error, host);
      if (isCertificateError(error)) throw networkError(error, host, context);
      if (isNotTlsError(error)) return 'http';
      if (route.proxy !== undefined) throw proxyError(error, route.proxy, host);
      throw networkError(error, host, context);
    }
  }

  async send(request: TransportRequest): Promise<Dispatcher.ResponseData> {
    const url = new URL(request.url);
    const who = request.role
      ? `${request.role} ${url.host}`
      : url.host === request.host
        ? `registry ${request.host}`
        : `${url.host} (where registry ${request.host} sent par)`;
    const route = await this.#route(url);
    try {
      const response = await route.dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: request.method,
        headers: request.headers,
        body: request.body,
        ...(request.answerTimeoutMs === undefined ? {} : { headersTimeout: request.answerTimeoutMs }),
        ...(request.signal === undefined ? {} : { signal: request.signal }),
      });
      const deadline = Date.now() + this.#timeoutMs;
      answers.set(response, { who, deadline, timeoutMs: this.#timeoutMs, hint: this.#hint });
      if (!request.streaming) cutOffAt(response, deadline);
      return response;
    } catch (error) {
      if (request.signal?.aborted) throw interruptedError(request.what);
      // The body's own failure (a read error, a digest mismatch, an inspection that rejected) is
      // already a typed error that says what went wrong; it is not the registry being unreachable.
      if (isTypedError(error)) throw error;
      if (route.proxy !== undefined && (isProxyFailure(error) || errorCodes(error).includes('ECONNREFUSED'))) throw proxyError(error, route.proxy, request.host);
      if (url.protocol === 'https:' && this.#closedAfterHandshake(error, url.host)) throw clientCertificateHint(error, request.host);
      throw networkError(error, request.host, {
        who,
        ...(request.what === undefined ? {} : { what: request.what }),
        timeoutMs: isStall(error, 'UND_ERR_HEADERS_TIMEOUT') ? (request.answerTimeoutMs ?? this.#timeoutMs) : this.#timeoutMs,
        hint: this.#hint,
      });
    }
  }

  /**
   * Ends every connection at once, requests in flight included: once a command has its result or
   * its failure, nothing it still waits for (a stalled config download next to a layer's 404)
   * may hold up the report.
   */
  async close(): Promise<void> {
    await Promise.all([this.#dispatcher.destroy(), ...[...this.#proxied.values()].map((dispatcher) => dispatcher.destroy())]);
  }
}

/**
 * Ends a small answer's body at its deadline, whoever reads it (even a `dump()` of an ignored
 * body): a server dripping a byte now and then never trips the idle timeout.
 */
function cutOffAt(response: Dispatcher.ResponseData, deadline: number): void {
  const timer = setTimeout(() => {
    cutOff.add(response);
    response.body.destroy();
  }, Math.max(0, deadline - Date.now()));
  timer.unref();
  response.body.once('close', () => clearTimeout(timer));
}

function isStall(error: unknown, code: string): boolean {
  return errorCodes(error).includes(code);
}

function isTypedError(error: unknown): boolean {
  return error instanceof ParError;
}

function clientCertificateHint(error: unknown, host: string): NetworkError {
  return new NetworkError(
    `registry ${host} closed the TLS connection before answering: it may require a client certificate (pass --cert-file and --key-file, or put client.cert and client.key in ~/.docker/certs.d/${host}/)`,
    true,
    error,
  );
}

/** An error's message when it has a string one, else ''. */
function messageOf(error: unknown): string {
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' ? message : '';
}

/** undici's words for a proxy that refused or failed the tunnel (`Proxy response (407) !== 200 …`). */
function isProxyFailure(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++, current = (current as { cause?: unknown }).cause) {
    if (/^Proxy (response|Authentication)/.test(messageOf(current))) return true;
  }
  return false;
}

/** A failure at the proxy, said as such; the proxy is named without its credentials. */
function proxyError(error: unknown, proxy: ChosenProxy, host: string): RegistryError {
  let text = (error as Error).message ?? String(error);
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++, current = (current as { cause?: unknown }).cause) {
    const message = messageOf(current);
    const status = /\((\d{3})\)/.exec(message)?.[1];
    if (status !== undefined && /^Proxy/.test(message)) {
      // 407 is the standard answer; tinyproxy 1.11 answers 401.
      text = status === '407' || status === '401' ? `proxy authentication failed (${status}): check the user and password in the proxy URL` : `the proxy answered ${status}`;
      break;
    }
  }
  const code = errorCodes(error).find((c) => c in NETWORK_ERROR_TEXT);
  if (code !== undefined && !isProxyFailure(error)) text = NETWORK_ERROR_TEXT[code]!;
  return new NetworkError(`cannot reach registry ${host} through proxy ${proxy.display} (${proxy.variable}): ${text}`, false, error);
}
