/** The slice of a pino logger the runtime helpers use. */
export interface EventLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * Logs a one-line summary every `intervalMs`: the totals, and each total's rate per second
 * since the previous line, so a person running an app sees the flow without a dashboard.
 * Returns a function that stops it (0 means never log).
 *
 * @example
 * const stop = startProgressLog(log, 5000, () => ({ published: stats.published, confirmed: stats.confirmed }));
 */
export function startProgressLog(
  log: EventLogger,
  intervalMs: number,
  snapshot: () => Record<string, number>,
): () => void {
  if (intervalMs <= 0) return () => undefined;
  let previous = snapshot();
  let previousAt = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    const current = snapshot();
    const seconds = (now - previousAt) / 1000;
    const perSecond = Object.fromEntries(
      Object.entries(current).map(([key, value]) => [key, Math.round((value - (previous[key] ?? 0)) / seconds)]),
    );
    log.info({ ...current, perSecond }, 'progress');
    previous = current;
    previousAt = now;
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
