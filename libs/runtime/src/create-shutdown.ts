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
  const deadline = Date.now() + timeoutMs;
  const overrun = new AbortController();
  const overrunTimer = setTimeout(() => overrun.abort(), timeoutMs);
  let clean = true;
  for (const step of steps) {
    const left = deadline - Date.now();
    if (left <= 0) {
      clean = false;
      onStepError?.(step.name, new Error(`skipped: shutdown took longer than ${timeoutMs} ms`));
      continue;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve(overrun.signal).then(step.run),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`did not finish within ${left} ms`)), left);
        }),
      ]);
    } catch (err) {
      clean = false;
      onStepError?.(step.name, err);
    } finally {
      clearTimeout(timer);
    }
  }
  clearTimeout(overrunTimer);
  return clean;
}
