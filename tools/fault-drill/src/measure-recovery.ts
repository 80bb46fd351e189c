import type { AppProcess, LogLine } from '@sensors/testing';

/** When a fault was injected and when it ended (the service was back, the process restarted…). */
export interface FaultWindow {
  label: string;
  start: number;
  end: number;
  detail?: string;
}

export interface Recovery {
  /** From the fault's end until both apps' counters moved again (null: neither had anything left to do). */
  recoverMs: number | null;
  /** From the fault's end until the table held what the publisher had confirmed at the fault's end. */
  catchUpMs: number | null;
}

type Point = [time: number, value: number];

/** The publisher's confirmed total over time, from its progress and final log lines. */
function confirmedSeries(app: AppProcess): Point[] {
  return series(app.logs, (line) => (typeof line['confirmed'] === 'number' ? line['confirmed'] : undefined));
}

/** What the consumer has taken care of (stored, absorbed as redelivered, dead-lettered) over time. */
function handledSeries(app: AppProcess): Point[] {
  return series(app.logs, (line) =>
    typeof line['stored'] === 'number' && typeof line['duplicates'] === 'number'
      ? line['stored'] + line['duplicates'] + ((line['deadLettered'] as number | undefined) ?? 0)
      : undefined,
  );
}

function series(logs: readonly LogLine[], value: (line: LogLine) => number | undefined): Point[] {
  const points: Point[] = [];
  for (const line of logs) {
    const v = value(line);
    if (v !== undefined && typeof line.time === 'number') points.push([line.time, v]);
  }
  return points;
}

/**
 * The first time after `at` that any of `apps` (alive after `at`) moved its counter past its
 * value at `at`; `undefined` when none had anything left to do (no counter moved again). A counter that never moves again
 * because the app is stuck is caught by the drill's other checks (readings missing, the queue
 * not drained, the publisher incomplete).
 */
function firstAdvance(
  apps: readonly AppProcess[],
  at: number,
  seriesOf: (app: AppProcess) => Point[],
): number | undefined {
  let earliest: number | undefined;
  for (const app of apps) {
    if (app.exitedAt !== undefined && app.exitedAt <= at) continue;
    const points = seriesOf(app);
    const baseline = points.filter(([time]) => time <= at).at(-1)?.[1] ?? 0;
    const advance = points.find(([time, value]) => time > at && value > baseline);
    if (advance && (earliest === undefined || advance[0] < earliest)) earliest = advance[0];
  }
  return earliest;
}

/**
 * Measures how the pipeline came back after one fault, from the apps' progress lines (every
 * 200 ms) and the sampled row count (every 200 ms); see the README for the definitions.
 */
export function measureRecovery(
  fault: FaultWindow,
  apps: readonly AppProcess[],
  rowCounts: readonly { at: number; count: number }[],
): Recovery {
  const publishers = apps.filter((app) => app.options.label.startsWith('publisher'));
  const consumers = apps.filter((app) => app.options.label.startsWith('consumer'));
  const T = fault.end;
  const published = firstAdvance(publishers, T, confirmedSeries);
  const handled = firstAdvance(consumers, T, handledSeries);
  const recoverMs =
    published === undefined && handled === undefined ? null : Math.max(published ?? T, handled ?? T) - T;

  let confirmedAtEnd = 0;
  for (const publisher of publishers) {
    for (const [time, value] of confirmedSeries(publisher)) {
      if (time <= T && value > confirmedAtEnd) confirmedAtEnd = value;
    }
  }
  const reached = rowCounts.find((sample) => sample.count >= confirmedAtEnd);
  const catchUpMs = reached === undefined ? null : Math.max(0, reached.at - T);
  return { recoverMs, catchUpMs };
}
