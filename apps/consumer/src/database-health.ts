/** What the consumer knows about Postgres: whether it answers, and whether it takes writes. */
export interface DatabaseHealth {
  healthy(): boolean;
  /** Why it is unhealthy, for /readyz. */
  reason(): string | undefined;
  /** Recoveries: each time it became healthy again after a failure. */
  recoveries(): number;
  /** A batch write succeeded: the database answers and takes writes. */
  succeeded(): void;
  /**
   * A batch write failed: unhealthy until a write succeeds. A ping that answers does not end
   * it, since a database whose disk is full still answers `SELECT 1`.
   */
  failed(err: unknown): void;
  stop(): void;
}

/** SQLSTATE disk_full: a tablespace's (or the WAL's) filesystem has no space left. */
const DISK_FULL = '53100';

/**
 * Tracks the database's health from the outcome of every write, and pings it (`ping`, e.g.
 * `SELECT 1`) every `intervalMs` so that readiness is right while no readings flow.
 */
export function watchDatabase(ping: () => Promise<unknown>, intervalMs: number): DatabaseHealth {
  let unreachable: string | undefined;
  let writesFailing: string | undefined;
  let recoveries = 0;
  const healthy = () => unreachable === undefined && writesFailing === undefined;
  const update = (change: () => void) => {
    const wasHealthy = healthy();
    change();
    if (!wasHealthy && healthy()) recoveries++;
  };
  const timer = setInterval(() => {
    ping().then(
      () => update(() => (unreachable = undefined)),
      (err: unknown) => update(() => (unreachable = describeDatabaseFailure(err))),
    );
  }, intervalMs);
  timer.unref();
  return {
    healthy,
    // The ping's reason first: a database that does not answer explains the failing writes.
    reason: () => unreachable ?? writesFailing,
    recoveries: () => recoveries,
    succeeded: () =>
      update(() => {
        unreachable = undefined;
        writesFailing = undefined;
      }),
    failed: (err) => update(() => (writesFailing = describeDatabaseFailure(err))),
    stop: () => clearInterval(timer),
  };
}

/** Why the database failed, for /readyz: a full disk by name, with what to do; anything else as it came. */
export function describeDatabaseFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (writeFailureCause(err) === DISK_FULL) {
    return `database disk full: writes are held and retried until space is freed on the table's tablespace (SQLSTATE ${DISK_FULL}: ${message})`;
  }
  return `database unavailable: ${message}`;
}

/** What made a write fail, as a short label: the SQLSTATE, else the driver's or network's error code. */
export function writeFailureCause(err: unknown): string {
  for (const candidate of [err, (err as { driverError?: unknown } | undefined)?.driverError]) {
    const code = (candidate as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code)) return code;
  }
  return 'unknown';
}
