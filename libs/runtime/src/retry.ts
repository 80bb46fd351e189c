import { ExponentialBackoff, halfJitterGenerator, handleWhen, retry as retryPolicy } from 'cockatiel';
import type { BackoffOptions } from './backoff-delay';

/**
 * The delays every retry of the apps uses, by what is retried. Each is exponential from
 * `initialMs`, capped at `maxMs`, with a random half kept (see {@link backoffDelay}).
 */
export const RETRY_DELAYS = {
  /**
   * Reaching a broker or database again, and rewriting a batch it refused: short and capped
   * low, because every second waited after the server is back is a second of backlog.
   */
  reconnect: { initialMs: 100, maxMs: 2_000 },
  /** Resending a message the broker nacked (a quorum queue between leaders, or full): a nack is brief. */
  resend: { initialMs: 50, maxMs: 2_000 },
} as const satisfies Record<string, BackoffOptions>;

export interface RetryOptions {
  /** Delays between attempts (default {@link RETRY_DELAYS}`.reconnect`). */
  backoff?: BackoffOptions;
  /** Whether an error is worth another attempt (default: every error); any other is thrown at once. */
  retryIf?: (err: unknown) => boolean;
  /** Attempts after the first, at most (default: no limit). */
  maxRetries?: number;
  /** Stops retrying: an attempt under way is finished, a wait is cut short, and the last error is thrown. */
  signal?: AbortSignal;
  /** Told about each failure that will be retried, before the wait, e.g. to log it. */
  onError?: (err: unknown, attempt: number, retryInMs: number) => void;
}

const NOT_WAITING = Symbol('not waiting');

/**
 * Calls `operation` until it succeeds, waiting a capped exponential backoff between attempts
 * (cockatiel's retry policy); gives up when an error is not worth retrying, when the retries
 * run out, or when `signal` aborts.
 *
 * @example
 * const dataSource = await retry(() => createDataSource(options).initialize(), {
 *   retryIf: (err) => !isAuthenticationError(err),
 *   onError: (err, attempt, retryInMs) => log.warn({ err, attempt, retryInMs }, 'database unreachable'),
 *   signal,
 * });
 */
export function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { signal, retryIf = () => true } = options;
  const { initialMs, maxMs, factor = 2 } = { ...RETRY_DELAYS.reconnect, ...options.backoff };
  const policy = retryPolicy(
    handleWhen((err) => !signal?.aborted && retryIf(err)),
    {
      maxAttempts: options.maxRetries ?? Infinity,
      backoff: new ExponentialBackoff({
        initialDelay: initialMs,
        maxDelay: maxMs,
        exponent: factor,
        generator: halfJitterGenerator,
      }),
    },
    // The policy's wait does not end on abort: this one is cut short below, and its timer
    // must not keep a stopping process alive.
  ).dangerouslyUnref();
  // The error being waited out, if a wait is under way.
  let waitingOut: unknown = NOT_WAITING;
  policy.onRetry((event) => {
    if (!('error' in event)) return;
    waitingOut = event.error;
    options.onError?.(event.error, event.attempt - 1, event.delay);
  });
  const run = policy.execute(({ attempt }) => {
    const waited = waitingOut;
    waitingOut = NOT_WAITING;
    // Aborted during the wait: the caller already has the last error; this ends the policy.
    if (signal?.aborted && waited !== NOT_WAITING) return Promise.reject(waited);
    return operation(attempt);
  }, signal);
  if (!signal) return run;
  return new Promise<T>((resolve, reject) => {
    const stop = () => {
      if (waitingOut !== NOT_WAITING) reject(waitingOut);
    };
    signal.addEventListener('abort', stop, { once: true });
    void run.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
  });
}
