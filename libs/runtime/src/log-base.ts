import { hostname } from 'node:os';

/**
 * The fields every log line of an app carries: pino's own `pid` and `hostname` (so that lines of
 * several instances can be told apart), the app's name and its version.
 *
 * @example
 * const log = pino({ base: logBase('consumer', version) });
 */
export function logBase(app: string, version: string): Record<string, unknown> {
  return { app, version, pid: process.pid, hostname: hostname() };
}
