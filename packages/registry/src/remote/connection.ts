import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

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
  /**
   * Bytes the registry has to digest or move before it answers (the commit of an upload): the wait
   * for its answer grows with them (see answerTimeoutFor).
   */
  committing?: number;
}

/**
 * What a repository needs from its client: send a request to a registry, and know the registry's
 * origin. Repositories, uploads and downloads depend on this, not on the client that builds them.
 */
export interface RegistryConnection {
  /** Sends one registry request (scheme, auth, retries, redirects); the caller owns the response body. */
  send(request: RegistryRequest): Promise<Dispatcher.ResponseData>;
  /** `https://host` or `http://host` for a registry. */
  origin(registry: string): Promise<string>;
}
