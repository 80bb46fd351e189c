import type { SourceName } from './config';
import type { PublisherStats } from './publish-readings';

/** How a run ended, for its last log line and the exit code. */
export interface RunSummary {
  /**
   * `0`: everything confirmed; `1`: some valid reading not confirmed (refused, or still in
   * flight when stopped) or, for a file or stdin, input left unread; `2` (file, stdin): every
   * valid line confirmed, but some lines were invalid.
   */
  exitCode: 0 | 1 | 2;
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
}

export interface RunEnd {
  source: SourceName;
  /** The generator's `--count`. */
  count?: number;
  /** Whether a file or stdin was read to its end. */
  endOfInput?: boolean;
}

/** Judges a run from its totals: did every reading that should reach the queue get there? */
export function summarizeRun(stats: PublisherStats, end: RunEnd): RunSummary {
  const { deadLetters, deadLettered, httpRequestsByStatus, ...totals } = stats;
  const unconfirmed = stats.published - stats.confirmed - stats.failed;
  const fields = { source: end.source, ...totals, unconfirmed };
  switch (end.source) {
    case 'generator': {
      const complete = end.count === undefined || stats.confirmed === end.count;
      return unconfirmed > 0 || stats.failed > 0 || stats.rejected > 0 || !complete
        ? {
            exitCode: 1,
            level: 'error',
            message: 'publisher stopped before the broker confirmed every reading',
            fields: { ...fields, requested: end.count },
          }
        : { exitCode: 0, level: 'info', message: 'publisher stopped; every published reading is confirmed', fields };
    }
    case 'http':
    case 'mqtt': {
      // MQTT: what was unconfirmed was not acknowledged either, so the broker redelivers it.
      const served = end.source === 'http' ? { ...fields, httpRequestsByStatus } : fields;
      return unconfirmed > 0
        ? {
            exitCode: 1,
            level: 'error',
            message: 'publisher stopped with readings still unconfirmed',
            fields: served,
          }
        : {
            exitCode: 0,
            level: 'info',
            message: 'publisher stopped; every published reading is confirmed',
            fields: served,
          };
    }
    case 'stdin':
    case 'file': {
      const endOfInput = end.endOfInput ?? false;
      const lineFields = { ...fields, deadLettered, deadLettersUnconfirmed: deadLetters - deadLettered, endOfInput };
      if (unconfirmed > 0 || stats.failed > 0 || deadLetters > deadLettered || !endOfInput) {
        return {
          exitCode: 1,
          level: 'error',
          message: 'publisher stopped before the broker confirmed every valid line',
          fields: lineFields,
        };
      }
      return stats.rejected > 0
        ? {
            exitCode: 2,
            level: 'warn',
            message: 'publisher finished; every valid line is confirmed, some lines were invalid',
            fields: lineFields,
          }
        : { exitCode: 0, level: 'info', message: 'publisher finished; every line is confirmed', fields: lineFields };
    }
  }
}
