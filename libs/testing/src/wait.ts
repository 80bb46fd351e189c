import { setTimeout as delay } from 'node:timers/promises';

/** What is left of `T` once every falsy value is ruled out. */
export type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Fails after this long (default 30 s): a bound on a condition, never the thing tested. */
  timeoutMs?: number;
  intervalMs?: number;
  /** Stops waiting when it aborts: rejects with Node's AbortError. */
  signal?: AbortSignal;
}

/**
 * Polls `check` until it returns a truthy value and returns that value; fails with
 * `description` after `timeoutMs`, or when `signal` aborts.
 *
 * @example
 * await waitFor('the queue to drain', async () => (await queueDepth(queue))?.messages === 0);
 */
export async function waitFor<T>(
  description: string,
  check: () => Promise<T> | T,
  { timeoutMs = 30_000, intervalMs = 100, signal }: WaitForOptions = {},
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await delay(intervalMs, undefined, { signal });
  }
}

/** Resolves or rejects as `work` does, or rejects with a timeout error after `timeoutMs`. */
export async function withTimeout<T>(description: string, work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms: ${description}`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
