/** Runs tasks with at most `concurrency` at once; the rest wait in order. */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

/** The one concurrency limiter: copy's blobs in flight, promotions in flight. */
export function limiter(concurrency: number): Limiter {
  const slots = Math.max(1, concurrency);
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= slots) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter, so a newcomer cannot slip in between.
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

/** `work` over `items` with at most `concurrency` in flight, results in input order (at least one runs at a time). */
export function mapWithConcurrency<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const limit = limiter(concurrency);
  return Promise.all(items.map((item, index) => limit(() => work(item, index))));
}
