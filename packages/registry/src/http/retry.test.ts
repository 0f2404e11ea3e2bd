import type { Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { backoffDelay, type Clock, DEFAULT_RETRY_POLICY, parseRetryAfter, withRetry } from './retry.js';
import { NetworkError } from './transport.js';

/** A clock that never waits: it records the delays and moves time forward. */
function fakeClock(start = Date.parse('2026-01-01T00:00:00Z')): Clock & { sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

/** A fake dispatcher answer: just what withRetry looks at. */
function answer(statusCode: number, headers: Record<string, string> = {}): Dispatcher.ResponseData {
  return { statusCode, headers, body: { dump: async () => undefined } } as unknown as Dispatcher.ResponseData;
}

/** A send function replaying a script of answers (or errors to throw). */
function scripted(script: (Dispatcher.ResponseData | Error)[]) {
  let calls = 0;
  const send = async () => {
    const next = script[Math.min(calls++, script.length - 1)]!;
    if (next instanceof Error) throw next;
    return next;
  };
  return { send, calls: () => calls };
}

const noJitter = () => 1;

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it('doubles up to the maximum, with jitter in [d/2, d]', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, minDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(0, policy, noJitter)).toBe(100);
    expect(backoffDelay(2, policy, noJitter)).toBe(400);
    expect(backoffDelay(10, policy, noJitter)).toBe(1000);
    expect(backoffDelay(2, policy, () => 0)).toBe(200);
  });
});

describe('withRetry', () => {
  it('retries 503 and 429 until success with growing delays', async () => {
    const clock = fakeClock();
    const { send, calls } = scripted([answer(503), answer(429), answer(200)]);
    const response = await withRetry(send, true, { clock, random: noJitter, policy: { ...DEFAULT_RETRY_POLICY, minDelayMs: 100 } });
    expect(response.statusCode).toBe(200);
    expect(calls()).toBe(3);
    expect(clock.sleeps).toEqual([100, 200]);
  });

  it('honours Retry-After without clamping it', async () => {
    const clock = fakeClock();
    const { send } = scripted([answer(429, { 'retry-after': '90' }), answer(200)]);
    await withRetry(send, true, { clock, random: noJitter });
    expect(clock.sleeps).toEqual([90_000]);
  });

  it('gives the last answer back after the maximum number of attempts', async () => {
    const clock = fakeClock();
    const { send, calls } = scripted([answer(502)]);
    const response = await withRetry(send, true, { clock, random: noJitter, policy: { ...DEFAULT_RETRY_POLICY, maxAttempts: 4 } });
    expect(response.statusCode).toBe(502);
    expect(calls()).toBe(4);
  });

  it('does not wait past the total time budget', async () => {
    const clock = fakeClock();
    const { send, calls } = scripted([answer(503, { 'retry-after': '3600' }), answer(200)]);
    const response = await withRetry(send, true, { clock, policy: { ...DEFAULT_RETRY_POLICY, maxTotalMs: 60_000 } });
    expect(response.statusCode).toBe(503);
    expect(calls()).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('never retries a request whose body cannot be replayed', async () => {
    const { send, calls } = scripted([answer(503), answer(200)]);
    expect((await withRetry(send, false, { clock: fakeClock() })).statusCode).toBe(503);
    expect(calls()).toBe(1);
  });

  it('leaves other statuses alone', async () => {
    const { send, calls } = scripted([answer(404), answer(200)]);
    expect((await withRetry(send, true, { clock: fakeClock() })).statusCode).toBe(404);
    expect(calls()).toBe(1);
  });

  it('retries a dropped connection but not a refused one', async () => {
    const reset = scripted([new NetworkError('cannot reach registry r: connection reset', true, undefined), answer(200)]);
    expect((await withRetry(reset.send, true, { clock: fakeClock() })).statusCode).toBe(200);
    expect(reset.calls()).toBe(2);

    const refused = scripted([new NetworkError('cannot reach registry r: connection refused', false, undefined), answer(200)]);
    await expect(withRetry(refused.send, true, { clock: fakeClock() })).rejects.toThrow('connection refused');
    expect(refused.calls()).toBe(1);
  });
});
