import type { Dispatcher } from 'undici';
import { RegistryError } from '../oci/errors.js';
import { answerOf, bodyNetworkError, wasCutOff } from './transport.js';

/**
 * Answers read whole into memory (manifests, tokens, tag pages, error bodies, JSON) are small by
 * nature; a server that sends more, or sends it forever, gets a clear refusal instead of par
 * growing to gigabytes. ORAS caps token answers at 128 KiB; the same cap fits a tag page.
 */
export const MAX_TOKEN_ANSWER = 128 * 1024;
export const MAX_TAGS_PAGE = 4 * 1024 * 1024;
export const MAX_JSON_ANSWER = 4 * 1024 * 1024;

export interface ReadAnswerOptions {
  /** Bytes accepted; one more is a refusal. */
  limit: number;
  /** What par was doing, for messages: `fetch manifest 127.0.0.1:5001/x:1`, `fetch token from https://auth/token`. */
  what: string;
  /** What kind of thing is too large, for messages: "manifest", "token answer". */
  noun?: string;
}

/**
 * Reads a whole response body, refusing more than `limit` bytes; a body the transport cut off at
 * its deadline (dripped one byte at a time, it never trips the idle timeout) is reported as such.
 */
export async function readAnswer(response: Dispatcher.ResponseData, options: ReadAnswerOptions): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > options.limit) throw tooLarge(options, response.statusCode);
    for await (const chunk of response.body) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > options.limit) throw tooLarge(options, response.statusCode);
      chunks.push(buffer);
    }
  } catch (error) {
    response.body.destroy();
    if (error instanceof RegistryError) throw error;
    throw wasCutOff(response) ? pastDeadline(response, options, error) : bodyNetworkError(response, error, options.what);
  }
  // A body ended by the deadline may look complete to the reader: it is not.
  if (wasCutOff(response)) throw pastDeadline(response, options, undefined);
  return Buffer.concat(chunks);
}

function pastDeadline(response: Dispatcher.ResponseData, options: ReadAnswerOptions, cause: unknown): RegistryError {
  const answer = answerOf(response);
  const who = answer?.who ?? 'the server';
  const seconds = answer === undefined ? '' : ` after ${answer.timeoutMs / 1000} s`;
  return new RegistryError(`${options.what}: ${who} was still sending its answer${seconds}; gave up${answer?.hint ?? ''}`, {
    kind: 'failure',
    operation: options.what,
    ...(cause === undefined ? {} : { cause }),
  });
}

function tooLarge(options: ReadAnswerOptions, status: number): RegistryError {
  return new RegistryError(`${options.what}: the ${options.noun ?? 'answer'} is larger than ${options.limit} bytes; refused`, {
    kind: 'invalid',
    operation: options.what,
    status,
  });
}

/**
 * Reads a JSON answer (capped as readAnswer). An HTML page (a proxy's login or error page, a
 * captive portal) or other non-JSON text is named as such, with the status, instead of
 * JSON.parse's "Unexpected token '<'".
 */
export async function readJsonAnswer(response: Dispatcher.ResponseData, options: ReadAnswerOptions): Promise<unknown> {
  const bytes = await readAnswer(response, options);
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RegistryError(`${options.what}: ${describeNotJson(response, text)}, where JSON was expected`, {
      kind: 'failure',
      operation: options.what,
      status: response.statusCode,
      cause: error,
    });
  }
}

/** "the registry answered HTML (HTTP 200)" / "… answered text that is not JSON (HTTP 200, text/plain)". */
export function describeNotJson(response: Dispatcher.ResponseData, text: string): string {
  const contentType = response.headers['content-type'];
  const type = (Array.isArray(contentType) ? contentType[0] : contentType)?.split(';')[0]?.trim();
  const who = answerOf(response)?.who ?? 'the server';
  const html = /html/i.test(type ?? '') || /^\s*<(!doctype|html|head|body|\?xml)/i.test(text);
  if (html) return `${who} answered an HTML page, not JSON (HTTP ${response.statusCode})`;
  if (text.trim() === '') return `${who} answered an empty body, not JSON (HTTP ${response.statusCode})`;
  return `${who} answered something that is not JSON (HTTP ${response.statusCode}${type ? `, ${type}` : ''})`;
}
