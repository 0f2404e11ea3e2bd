import type { Dispatcher } from 'undici';
import { NetworkError } from './transport.js';

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  /** Delay before the first retry; doubles each time (with jitter). */
  minDelayMs: number;
  maxDelayMs: number;
  /** No retry starts after this much time since the first attempt (Retry-After included). */
  maxTotalMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, minDelayMs: 200, maxDelayMs: 10_000, maxTotalMs: 120_000 };

export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential backoff with full jitter: a random delay in [d/2, d]. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** retry);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export interface RetryOptions {
  policy?: RetryPolicy;
  clock?: Clock;
  random?: () => number;
  /** Told before each wait, e.g. for debug output. */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

/**
 * Runs `send` again on a retryable status or network error. `send` must build a fresh request
 * each time (a replayable body); callers with a one-shot stream pass `replayable: false`.
 */
export async function withRetry(
  send: () => Promise<Dispatcher.ResponseData>,
  replayable: boolean,
  options: RetryOptions = {},
): Promise<Dispatcher.ResponseData> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  for (let attempt = 1; ; attempt++) {
    const last = !replayable || attempt >= policy.maxAttempts;
    let delay: number;
    let reason: string;
    try {
      const response = await send();
      if (last || !RETRYABLE_STATUSES.has(response.statusCode)) return response;
      const retryAfter = parseRetryAfter(response.headers['retry-after'], clock.now());
      delay = retryAfter ?? backoffDelay(attempt - 1, policy, options.random);
      reason = `HTTP ${response.statusCode}`;
      if (clock.now() + delay - started > policy.maxTotalMs) return response;
      await response.body.dump();
    } catch (error) {
      if (last || !(error instanceof NetworkError) || !error.retryable) throw error;
      delay = backoffDelay(attempt - 1, policy, options.random);
      reason = error.message;
      if (clock.now() + delay - started > policy.maxTotalMs) throw error;
    }
    options.onRetry?.({ attempt, delayMs: delay, reason });
    await clock.sleep(delay);
  }
}
