import { backoffDelay, type BackoffOptions } from './backoff-delay';
import { sleep } from './sleep';

export interface RetryOptions {
  backoff?: BackoffOptions;
  /** Stops retrying: the last error is thrown. */
  signal?: AbortSignal;
  /** Whether a failure is one that retrying cannot fix (a refused password): it is thrown at once. */
  isPermanent?: (err: unknown) => boolean;
  /** Told about each failure before the wait, e.g. to log it. */
  onError?: (err: unknown, attempt: number, retryInMs: number) => void;
}

/**
 * Calls `operation` until it succeeds, waiting a capped exponential backoff between attempts;
 * gives up when `signal` aborts or on a failure `isPermanent` recognises.
 *
 * @example
 * const dataSource = await retry(() => createDataSource(options).initialize(), {
 *   onError: (err, attempt, retryInMs) => log.warn({ err, attempt, retryInMs }, 'database unreachable'),
 * });
 */
export async function retry<T>(operation: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (err) {
      if (options.signal?.aborted || options.isPermanent?.(err)) throw err;
      const retryInMs = backoffDelay(attempt, options.backoff);
      options.onError?.(err, attempt, retryInMs);
      await sleep(retryInMs, options.signal);
      if (options.signal?.aborted) throw err;
    }
  }
}
