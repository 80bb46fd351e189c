// Waiting, always bounded and always cancellable (Ctrl-C aborts the run's signal).
import { setTimeout as delay } from 'node:timers/promises';

export function sleep(ms, signal) {
  return delay(ms, undefined, { signal });
}

/**
 * Polls `check` until it returns a truthy value and returns it; fails after `timeoutMs`
 * saying what it waited for. `check` may throw to give up early.
 */
export async function waitFor(description, check, { timeoutMs, intervalMs = 200, signal }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${description}`);
    await sleep(intervalMs, signal);
  }
}

/** Settles like `promise`, or rejects once `timeoutMs` have passed. */
export async function withTimeout(promise, timeoutMs, description) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000} s: ${description}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Steps to undo what a run created, run last-in first-out; each one is attempted (bounded by a
 * timeout) even when an earlier one fails, and failures are reported, not thrown.
 */
export class CleanupStack {
  #steps = [];

  add(description, run) {
    this.#steps.push({ description, run });
  }

  /** Runs every step; returns those that failed, to be tried again later. */
  async run(report = (message) => console.error(message)) {
    const failed = [];
    while (this.#steps.length > 0) {
      const step = this.#steps.pop();
      try {
        await withTimeout(Promise.resolve().then(step.run), 60_000, step.description);
      } catch (err) {
        report(`  cleanup: could not ${step.description}: ${err.message}`);
        failed.push(step);
      }
    }
    return failed;
  }
}
