import type { Dispatcher } from 'undici';
import { type ErrorKind, RegistryError } from '../oci/errors.js';

/** One entry of a registry's `{"errors":[...]}` body. */
export interface RegistryErrorEntry {
  code: string;
  message: string;
  detail?: unknown;
}

/** Parses an error body; anything that is not the standard shape gives an empty list. */
export function parseRegistryErrors(body: string): RegistryErrorEntry[] {
  try {
    const parsed = JSON.parse(body) as { errors?: unknown };
    if (!Array.isArray(parsed.errors)) return [];
    return parsed.errors
      .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
      .map((e) => ({
        code: typeof e.code === 'string' ? e.code : 'UNKNOWN',
        message: typeof e.message === 'string' ? e.message : '',
        ...(e.detail === undefined ? {} : { detail: e.detail }),
      }));
  } catch {
    return [];
  }
}

const INVALID_CODES = new Set([
  'DIGEST_INVALID',
  'MANIFEST_INVALID',
  'NAME_INVALID',
  'TAG_INVALID',
  'SIZE_INVALID',
  'MANIFEST_BLOB_UNKNOWN',
  'BLOB_UPLOAD_INVALID',
  'UNSUPPORTED',
]);

function kindFor(status: number, code: string | undefined): ErrorKind {
  if (status === 404) return 'not_found';
  if (status === 401 || status === 403) return 'unauthorized';
  if (code === 'UNAUTHORIZED' || code === 'DENIED') return 'unauthorized';
  // The registry refused bytes that do not match their digest: corrupted content, as a client-side check would say.
  if (code === 'DIGEST_INVALID') return 'verification';
  if (code && INVALID_CODES.has(code)) return 'invalid';
  return 'failure';
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  416: 'Range Not Satisfiable',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function statusLine(status: number): string {
  const text = STATUS_TEXT[status];
  return text ? `${status} ${text}` : String(status);
}

export interface ErrorContext {
  operation: string;
  reference: string;
  /** The request went out without credentials because none are configured for the registry. */
  withoutCredentials?: boolean;
}

/**
 * A registry's answer as the client returns it. `sentWithoutCredentials`: the request carried no
 * credentials because none are configured, so a 401 means "log in", not "wrong password".
 * `answeredBy`: the URL that gave it, after redirects (a 401 counts only from the registry's own
 * host). The facts travel with the response (set by the client), not in side tables.
 */
export type RegistryResponse = Dispatcher.ResponseData & { sentWithoutCredentials?: boolean; answeredBy?: URL };

export function markSentWithoutCredentials(response: Dispatcher.ResponseData): void {
  (response as RegistryResponse).sentWithoutCredentials = true;
}

/** Builds the error for an unexpected status from the status and the (already read) body. */
export function registryErrorFrom(status: number, body: string, context: ErrorContext, wwwAuthenticate?: string): RegistryError {
  const entries = parseRegistryErrors(body);
  const first = entries[0];
  const kind = kindFor(status, first?.code);
  const html = entries.length === 0 && /^\s*<(!doctype|html|head|body)/i.test(body);
  const detail =
    entries.length > 0
      ? entries.map((e) => (e.message ? `${e.code}: ${e.message}` : e.code)).join('; ')
      : `${statusLine(status)}${html ? ' (an HTML page, not a registry error)' : ''}`;
  let message = `${context.operation} ${context.reference}: ${detail}`;
  if (entries.length > 0) message += ` (HTTP ${status})`;
  if (kind === 'unauthorized' && context.withoutCredentials) {
    const host = context.reference.split('/')[0] ?? context.reference;
    message += /error="?insufficient_scope/.test(wwwAuthenticate ?? '')
      ? ` — insufficient scope for anonymous access, and no credentials are configured for ${host} (pass --user and --password, or run \`par login ${host}\`)`
      : ` — no credentials are configured for ${host} (pass --user and --password, or run \`par login ${host}\`)`;
  } else if (kind === 'unauthorized') {
    message += /error="?insufficient_scope/.test(wwwAuthenticate ?? '')
      ? ' — insufficient scope: the credentials do not grant this access to the repository'
      : status === 403 || first?.code === 'DENIED'
        ? ' — the credentials lack permission for this repository'
        : ' — the registry refused the credentials: check the user name and password (note: GHCR answers 401 for a package that does not exist)';
  }
  return new RegistryError(message, { kind, operation: context.operation, reference: context.reference, status, code: first?.code });
}

/**
 * Reads at most `limit` bytes of an error body as text (error bodies can be HTML pages), then
 * stops: an endless or dripped error body must not keep par reading it.
 */
export async function readErrorBody(response: Dispatcher.ResponseData, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  // The transport cuts a dripped body off at its deadline; this cuts a long one off at `limit`.
  try {
    for await (const chunk of response.body) {
      const buffer = chunk as Buffer;
      chunks.push(buffer.subarray(0, limit - size));
      size += buffer.length;
      if (size >= limit) break;
    }
  } catch {
    // A broken or stalled error body still leaves the status to report.
  } finally {
    response.body.destroy();
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads the body and throws the matching RegistryError. */
/**
 * go-containerregistry's CheckError: returns when the registry answered one of the `accepted`
 * statuses, else throws the error its answer describes. The one status check of the remote code.
 */
export async function expectStatus(response: Dispatcher.ResponseData, accepted: readonly number[], context: ErrorContext): Promise<void> {
  if (!accepted.includes(response.statusCode)) await throwResponseError(response, context);
}

export async function throwResponseError(response: Dispatcher.ResponseData, context: ErrorContext): Promise<never> {
  const body = await readErrorBody(response);
  const challenge = response.headers['www-authenticate'];
  const withoutCredentials = context.withoutCredentials ?? (response as RegistryResponse).sentWithoutCredentials === true;
  const error = registryErrorFrom(response.statusCode, body, { ...context, withoutCredentials }, Array.isArray(challenge) ? challenge.join(', ') : challenge);
  if (response.statusCode === 429) throw rateLimited(error, response.headers);
  throw error;
}

/**
 * A 429 that outlasted the retries: what the limit is (Docker Hub's `ratelimit-limit: 100;w=21600`,
 * `ratelimit-remaining: 0;w=21600`) and when to try again (`Retry-After`, else the window).
 */
function rateLimited(error: RegistryError, headers: Dispatcher.ResponseData['headers'], now = Date.now()): RegistryError {
  const first = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const limit = /^\s*(\d+)\s*(?:;\s*w=(\d+))?/.exec(first('ratelimit-limit') ?? '');
  const remaining = /^\s*(\d+)/.exec(first('ratelimit-remaining') ?? '');
  const retryAfter = first('retry-after');
  let when: string;
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter.trim())) when = `retry after ${new Date(now + Number(retryAfter) * 1000).toISOString()} (in ${retryAfter} s)`;
  else if (retryAfter !== undefined && !Number.isNaN(Date.parse(retryAfter))) when = `retry after ${new Date(Date.parse(retryAfter)).toISOString()}`;
  else if (limit?.[2] !== undefined) when = `the limit counts over ${durationText(Number(limit[2]))}: retry later, or log in for a higher limit`;
  else when = 'retry later';
  const quota = limit ? ` (limit ${limit[1]}${limit[2] === undefined ? '' : ` per ${durationText(Number(limit[2]))}`}${remaining ? `, ${remaining[1]} remaining` : ''})` : '';
  const host = error.reference?.split('/')[0] ?? 'the registry';
  return new RegistryError(`${error.message}: registry ${host} rate-limited these requests${quota}; ${when}`, {
    kind: 'failure',
    ...(error.operation === undefined ? {} : { operation: error.operation }),
    ...(error.reference === undefined ? {} : { reference: error.reference }),
    status: 429,
    code: error.code ?? 'TOOMANYREQUESTS',
  });
}

function durationText(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
