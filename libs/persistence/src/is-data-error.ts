/** SQLSTATE class 22 (data exception) or 23 (integrity constraint violation). */
const DATA_ERROR_SQLSTATE = /^2[23][0-9A-Z]{3}$/;

/**
 * Tells whether Postgres rejected the data itself (a value out of range, malformed, too long,
 * violating a constraint): retrying the same rows would fail forever, so isolate the bad row.
 * Anything else (connection lost, timeout, server shutting down, too many connections, disk
 * full, lock timeout) returns false: the same write may succeed later.
 *
 * Reads the SQLSTATE from `err.code`, or from `err.driverError.code` as TypeORM's
 * `QueryFailedError` carries it.
 *
 * @example
 * try {
 *   await saveReadings(dataSource, batch);
 * } catch (err) {
 *   if (!isDataError(err)) throw err; // transient: retry the batch later
 *   // permanent: save the readings one by one and dead-letter those that still fail
 * }
 */
export function isDataError(err: unknown): boolean {
  return hasDataErrorCode(err) || hasDataErrorCode(field(err, 'driverError'));
}

function hasDataErrorCode(err: unknown): boolean {
  const code = field(err, 'code');
  return typeof code === 'string' && DATA_ERROR_SQLSTATE.test(code);
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}
