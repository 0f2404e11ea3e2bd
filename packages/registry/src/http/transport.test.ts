import { describe, expect, it } from 'vitest';
import { NetworkError, networkError } from './transport.js';

/** What undici throws: an error with a code, sometimes wrapping the socket's error as its cause. */
function undiciError(code: string, cause?: unknown): Error {
  return Object.assign(new Error(`undici ${code}`), { code, ...(cause === undefined ? {} : { cause }) });
}

describe('networkError', () => {
  const context = { what: 'fetch manifest r/x:1', timeoutMs: 5000, hint: ' (raise the timeout)' };

  it.each([
    ['UND_ERR_CONNECT_TIMEOUT', 'fetch manifest r/x:1: could not connect to registry r within 5 s; gave up (raise the timeout)'],
    ['UND_ERR_HEADERS_TIMEOUT', 'fetch manifest r/x:1: registry r sent no answer within 5 s; gave up (raise the timeout)'],
    ['UND_ERR_BODY_TIMEOUT', 'fetch manifest r/x:1: registry r stopped sending its answer for 5 s; gave up (raise the timeout)'],
  ])('names what stalled for %s, and a stall is not retryable', (code, message) => {
    const error = networkError(undiciError(code), 'r', context);
    expect(error.message).toBe(message);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).retryable).toBe(false);
  });

  it('keeps a dropped connection retryable and names the host that dropped it', () => {
    const error = networkError(undiciError('UND_ERR_SOCKET'), 'r', { who: 'storage:9000 (where registry r sent par)' });
    expect(error.message).toBe('cannot reach storage:9000 (where registry r sent par): connection closed by the server');
    expect((error as NetworkError).retryable).toBe(true);
  });

  it('blames the certificate of the host that presented it', () => {
    const error = networkError(undiciError('UND_ERR_SOCKET', undiciError('UNABLE_TO_VERIFY_LEAF_SIGNATURE')), 'r', { who: 'storage:9000 (where registry r sent par)' });
    expect(error.message).toMatch(/^TLS certificate of storage:9000 \(where registry r sent par\) is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
  });
});
