import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { ParError } from '@par/errors';
import type { Dispatcher } from 'undici';
import { RegistryError } from '../oci/errors.js';
import { isLoopbackHost } from '../oci/reference.js';
import { Agent } from './undici-agent.js';


export interface TransportOptions {
  /** Extra CA bundle (PEM) trusted in addition to the system CAs. */
  caFile?: string;
  /** Plain HTTP for every host (`true`) or for the listed hosts. */
  insecure?: boolean | string[];
  /** Accept any certificate (still TLS). */
  insecureSkipTlsVerify?: boolean;
  /** Connections per origin kept by the pool. */
  connectionsPerHost?: number;
  /** For tests: a dispatcher to use instead of the agent built from the options above. */
  dispatcher?: Dispatcher;
}

export interface TransportRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: Uint8Array | Readable;
  /** Host named in network error messages (the registry, not a storage redirect). */
  host: string;
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
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for the response',
  UND_ERR_BODY_TIMEOUT: 'timed out reading the response',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  UND_ERR_SOCKET: 'connection closed by the server',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** Network errors worth another attempt: the connection existed or may come back. */
const RETRYABLE_NETWORK_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
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

/** Turns whatever undici threw into one line naming the host. */
export function networkError(error: unknown, host: string): RegistryError {
  if (error instanceof RegistryError) return error;
  const codes = errorCodes(error);
  if (codes.some((code) => CERTIFICATE_ERROR_CODES.has(code))) {
    const code = codes.find((c) => CERTIFICATE_ERROR_CODES.has(c));
    return new NetworkError(
      `TLS certificate of registry ${host} is not trusted (${code}); pass --ca-file <pem> with the CA that signed it, or --insecure-skip-tls-verify`,
      false,
      error,
    );
  }
  if ((error as { name?: string }).name === 'AbortError') return error as RegistryError;
  const code = codes.find((c) => c in NETWORK_ERROR_TEXT);
  const text = code ? NETWORK_ERROR_TEXT[code] : ((error as Error).message ?? String(error));
  return new NetworkError(`cannot reach registry ${host}: ${text}`, code !== undefined && RETRYABLE_NETWORK_CODES.has(code), error);
}

/**
 * One keep-alive connection pool per client, the TLS policy, and the per-host scheme decision.
 */
export class Transport {
  readonly #dispatcher: Dispatcher;
  readonly #insecure: boolean | string[];
  readonly #schemes = new Map<string, Promise<Scheme>>();

  constructor(options: TransportOptions = {}) {
    this.#insecure = options.insecure ?? false;
    this.#dispatcher =
      options.dispatcher ??
      new Agent({
        connections: options.connectionsPerHost ?? 8,
        keepAliveTimeout: 10_000,
        connect: {
          ...(options.caFile ? { ca: [...rootCertificates, readCaFile(options.caFile)] } : {}),
          rejectUnauthorized: !options.insecureSkipTlsVerify,
        },
      });
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
    try {
      const response = await this.#dispatcher.request({ origin: `https://${host}`, path: '/v2/', method: 'GET' });
      await response.body.dump();
      return 'https';
    } catch (error) {
      if (isCertificateError(error)) throw networkError(error, host);
      if (isNotTlsError(error)) return 'http';
      throw networkError(error, host);
    }
  }

  async send(request: TransportRequest): Promise<Dispatcher.ResponseData> {
    const url = new URL(request.url);
    try {
      return await this.#dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: request.method as Dispatcher.HttpMethod,
        headers: request.headers,
        body: request.body,
      });
    } catch (error) {
      // The body's own failure (a read error, a digest mismatch, an inspection that rejected) is
      // already a typed error that says what went wrong; it is not the registry being unreachable.
      if (isTypedError(error)) throw error;
      throw networkError(error, request.host);
    }
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }
}

function isTypedError(error: unknown): boolean {
  return error instanceof ParError;
}

function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new RegistryError(`cannot read CA file ${path}: ${(error as Error).message}`, {
      kind: 'invalid',
      operation: 'read CA file',
      cause: error,
    });
  }
}
