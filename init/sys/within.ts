import { setTimeout as sleep } from 'node:timers/promises';

/**
 * What `work` resolves to, or `timedOut` when `ms` pass first. The timer is cleared as
 * soon as the work settles; the work itself is left to finish on its own (nothing here
 * can cancel it).
 */
export async function within<T, F>(work: Promise<T>, ms: number, timedOut: F): Promise<T | F> {
  const timer = new AbortController();
  try {
    return await Promise.race([work, sleep(ms, timedOut, { signal: timer.signal })]);
  } finally {
    timer.abort();
  }
}
