import { hostname } from 'node:os';
import { logRedaction } from './log-redaction';
import { serializeError } from './serialize-error';

export interface LoggerSettings {
  /** pino's level name (default pino's own, `info`). */
  level?: string;
  /** Human-readable lines for one person at one terminal: leaves out pid, host and version. */
  pretty?: boolean;
}

/**
 * The pino options of an app's logger: every NDJSON line carries the app's name, its version and
 * pino's own `pid` and `hostname` (so that lines of several instances can be told apart);
 * connection URLs are masked ({@link logRedaction}) and errors serialized without secrets
 * ({@link serializeError}).
 *
 * @example
 * const log = pino(loggerOptions('consumer', version, { level: 'debug' }));
 */
export function loggerOptions(app: string, version: string, settings: LoggerSettings = {}) {
  return {
    ...(settings.level === undefined ? {} : { level: settings.level }),
    base: settings.pretty ? { app } : { app, version, pid: process.pid, hostname: hostname() },
    redact: logRedaction,
    serializers: { err: serializeError },
  };
}
