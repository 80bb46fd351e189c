/** What the consumer knows about Postgres: healthy until an operation fails, until one succeeds. */
export interface DatabaseHealth {
  healthy(): boolean;
  /** Why it is unhealthy, for /readyz. */
  reason(): string | undefined;
  /** Recoveries: each time it became healthy again after a failure. */
  recoveries(): number;
  succeeded(): void;
  failed(err: unknown): void;
  stop(): void;
}

/**
 * Tracks the database's health from the outcome of every write, and pings it (`ping`, e.g.
 * `SELECT 1`) every `intervalMs` so that readiness is right while no readings flow.
 */
export function watchDatabase(ping: () => Promise<unknown>, intervalMs: number): DatabaseHealth {
  let failure: string | undefined;
  let recoveries = 0;
  const health: DatabaseHealth = {
    healthy: () => failure === undefined,
    reason: () => failure,
    recoveries: () => recoveries,
    succeeded() {
      if (failure !== undefined) recoveries++;
      failure = undefined;
    },
    failed(err) {
      failure = `database unavailable: ${err instanceof Error ? err.message : String(err)}`;
    },
    stop: () => clearInterval(timer),
  };
  const timer = setInterval(() => {
    ping().then(health.succeeded, health.failed);
  }, intervalMs);
  timer.unref();
  return health;
}

/** What made a write fail, as a short label: the SQLSTATE, else the driver's or network's error code. */
export function writeFailureCause(err: unknown): string {
  for (const candidate of [err, (err as { driverError?: unknown } | undefined)?.driverError]) {
    const code = (candidate as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code)) return code;
  }
  return 'unknown';
}
