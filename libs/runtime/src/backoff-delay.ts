import { RETRY_DELAYS } from './retry';

/** How long to wait between attempts: exponential, capped, with jitter. */
export interface BackoffOptions {
  /** Delay before the first retry, in milliseconds (default `RETRY_DELAYS.reconnect`'s). */
  initialMs?: number;
  /** Longest delay, in milliseconds (default `RETRY_DELAYS.reconnect`'s). */
  maxMs?: number;
  /** Growth per attempt (default 2). */
  factor?: number;
  /** Source of randomness in [0, 1), injectable for tests (default `Math.random`). */
  random?: () => number;
}

/**
 * Returns the delay before retry number `attempt` (0 for the first retry): the capped
 * exponential delay, of which a random half is kept so that many clients retrying together
 * spread out instead of striking the server in step (cockatiel's half jitter, which
 * {@link retry} uses). For loops that are not one call retried: reconnecting with failover,
 * resending a nacked message from a timer.
 *
 * @example
 * backoffDelay(0); // between 50 and 100
 * backoffDelay(10, { maxMs: 5000 }); // between 2500 and 5000
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const {
    initialMs = RETRY_DELAYS.reconnect.initialMs,
    maxMs = RETRY_DELAYS.reconnect.maxMs,
    factor = 2,
    random = Math.random,
  } = options;
  const ceiling = Math.min(maxMs, initialMs * factor ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
