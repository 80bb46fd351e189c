/** One step of a shutdown, e.g. "stop consuming" or "close the database". */
export interface ShutdownStep {
  name: string;
  /**
   * Runs the step, at once or by returning a promise (awaited); `signal` aborts once the
   * shutdown's deadline has passed, for a step that can give up early.
   */
  run: (signal: AbortSignal) => unknown;
}

export interface ShutdownOptions {
  /** The steps, run one after the other in this order. */
  steps: readonly ShutdownStep[];
  /** The longest the whole shutdown may take, in milliseconds; later steps are skipped then. */
  timeoutMs: number;
  /** Told about each step that failed or did not finish in time; the next step runs anyway. */
  onStepError?: (step: string, err: unknown) => void;
}

/**
 * Returns an idempotent shutdown routine: the first call runs every step in order, each one
 * attempted even if an earlier one failed, all bounded by `timeoutMs`; later calls return the
 * same promise. It resolves to `true` when every step succeeded in time.
 *
 * @example
 * const shutdown = createShutdown({ timeoutMs: 10_000, steps: [
 *   { name: 'stop consuming', run: () => consumer.stop() },
 *   { name: 'close database', run: () => dataSource.destroy() },
 * ] });
 * process.once('SIGTERM', () => void shutdown());
 */
export function createShutdown(options: ShutdownOptions): () => Promise<boolean> {
  let running: Promise<boolean> | undefined;
  return () => (running ??= runSteps(options));
}

async function runSteps({ steps, timeoutMs, onStepError }: ShutdownOptions): Promise<boolean> {
  // One timer decides both when a hanging step is given up on and which steps are skipped, so
  // the two can never disagree (two clocks could: a step's own timer may fire just before a
  // deadline read from Date.now()).
  const deadline = Date.now() + timeoutMs;
  const overrun = new AbortController();
  const overrunTimer = setTimeout(() => overrun.abort(), timeoutMs);
  const overran = new Promise<never>((_, reject) =>
    overrun.signal.addEventListener('abort', () => reject(new Error('deadline')), { once: true }),
  );
  overran.catch(() => undefined);
  let clean = true;
  for (const step of steps) {
    if (overrun.signal.aborted) {
      clean = false;
      onStepError?.(step.name, new Error(`skipped: shutdown took longer than ${timeoutMs} ms`));
      continue;
    }
    const left = Math.max(0, deadline - Date.now());
    try {
      await Promise.race([
        Promise.resolve(overrun.signal).then(step.run),
        overran.catch(() => {
          throw new Error(`did not finish within ${left} ms`);
        }),
      ]);
    } catch (err) {
      clean = false;
      onStepError?.(step.name, err);
    }
  }
  clearTimeout(overrunTimer);
  return clean;
}
