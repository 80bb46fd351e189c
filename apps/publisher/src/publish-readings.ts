import { PublishRejectedError, type OutgoingMessage } from '@sensors/messaging';
import { InvalidSensorReadingError, type ReadingProblem, type UnknownFields } from '@sensors/sensor-model';
import type { ReadingIdentities } from './reading-identities';
import { toReadingMessage, toReadingValue, type ReadingToSend } from './to-reading-message';

/**
 * A reading to publish: its message (JSON text), or the validated reading itself, not yet
 * serialized (an envelope serializes its readings in one `JSON.stringify`).
 */
export type OutgoingReading = OutgoingMessage | ReadingToSend;

/**
 * Told of a published reading's fate: without an error once the broker confirmed it, with the
 * error once it was refused. It must not throw.
 */
export type SettledReading = (id: string, err?: Error) => void;

/** Where readings go: an {@link EnvelopeSink} or a {@link MessageSink}, or a fake in tests. */
export interface ReadingSink {
  /** Resolves once another reading may be published (the window has room, the socket is not backed up). */
  whenWritable(): Promise<void>;
  /** Whether {@link ReadingSink.whenWritable} would resolve at once: hot loops skip the await. */
  isWritable(): boolean;
  /**
   * Publishes one reading and tells `settled` its fate. One function may serve every reading,
   * so that nothing is allocated per reading: this runs 100,000 times a second.
   */
  publish(reading: OutgoingReading, settled: SettledReading): void;
}

/** Where messages go one by one, each confirmed on its own: the confirm publisher, or a fake in tests. */
export interface MessageTarget {
  whenWritable(): Promise<void>;
  isWritable(): boolean;
  /** Resolves once the broker confirmed the message, rejects once it refused it. */
  publish(message: OutgoingMessage): Promise<void>;
}

/** Whether a reading to publish is a message already (JSON text) rather than the reading itself. */
export function isMessage(reading: OutgoingReading): reading is OutgoingMessage {
  return 'body' in reading;
}

/** Running totals, read by the progress log, the metrics, the summary and the exit code. */
export interface PublisherStats {
  /** Readings taken from the source (for NDJSON: lines that are not blank). */
  received: number;
  rejected: number;
  /**
   * Rejections by problem, e.g. `content.temperature_f must be a finite number` or
   * `(reading) is not valid JSON`; a reading counts once, under its first problem, so that
   * the counts sum to `rejected`.
   */
  rejectedByReason: Record<string, number>;
  published: number;
  confirmed: number;
  failed: number;
  /** Failures by cause: `returned` (unroutable), `nacked`, or `error`. */
  failedByReason: Record<string, number>;
  /** Invalid input sent to the dead-letter exchange, and how much of it the broker confirmed. */
  deadLetters: number;
  deadLettered: number;
  /** Responses of the HTTP source by status code. */
  httpRequestsByStatus: Record<string, number>;
}

/** Fresh totals, all zero. */
export function newPublisherStats(): PublisherStats {
  return {
    received: 0,
    rejected: 0,
    rejectedByReason: {},
    published: 0,
    confirmed: 0,
    failed: 0,
    failedByReason: {},
    deadLetters: 0,
    deadLettered: 0,
    httpRequestsByStatus: {},
  };
}

/** Counts an invalid reading, once, under its first problem (without its varying details). */
export function countRejection(stats: PublisherStats, err: InvalidSensorReadingError): void {
  stats.rejected++;
  const reason = rejectionReason(err);
  stats.rejectedByReason[reason] = (stats.rejectedByReason[reason] ?? 0) + 1;
}

/** The reason an invalid reading is counted under: its first problem, without its varying details. */
export function rejectionReason(err: InvalidSensorReadingError): string {
  return reasonOf(err.problems[0]);
}

function reasonOf(problem: ReadingProblem): string {
  // "is not valid JSON (Unexpected token …)": the parser's detail would make every count its own.
  return `${problem.field} ${problem.problem.replace(/ \(.*\)$/s, '')}`;
}

/**
 * Publishes one reading and counts it; resolves once the broker has confirmed it (with
 * `undefined`) or refused it (with the error).
 */
export function publishCounted(
  sink: ReadingSink,
  stats: PublisherStats,
  reading: OutgoingReading,
): Promise<Error | undefined> {
  stats.published++;
  return new Promise((resolve) =>
    sink.publish(reading, (_, err) => {
      if (err) countFailure(stats, err);
      else stats.confirmed++;
      resolve(err);
    }),
  );
}

function countFailure(stats: PublisherStats, err: Error): void {
  stats.failed++;
  const reason = err instanceof PublishRejectedError ? err.reason : 'error';
  stats.failedByReason[reason] = (stats.failedByReason[reason] ?? 0) + 1;
}

/** Where {@link publishReadings} takes its items from: one at a time, or in arrays (cheaper per item). */
export type ReadingSource<T> = { source: AsyncIterable<T> } | { batches: AsyncIterable<readonly T[]> };

export type PublishReadingsOptions<T> = ReadingSource<T> & PublishOptions<T>;

interface PublishOptions<T> {
  /**
   * The reading in an item of the source, e.g. a line's bytes (default: the item itself). It
   * may throw `InvalidSensorReadingError` too.
   */
  readingOf?: (item: T) => unknown;
  /** Keep (default) or refuse the fields of `content` the model does not know. */
  unknownFields?: UnknownFields;
  /** Readings seen before, to refuse one that conflicts; `labelOf` names an item in the conflict. */
  identities?: { seen: ReadingIdentities; labelOf: (item: T) => string };
  sink: ReadingSink;
  stats: PublisherStats;
  /** Stops taking readings from the source; those already published still get confirmed. */
  signal?: AbortSignal;
  /** Called for each invalid item; the next item waits for the promise it returns, if any. */
  onRejected?: (err: InvalidSensorReadingError, item: T) => void | Promise<void>;
  onFailed?: (id: string, err: Error) => void;
}

/**
 * Validates, enriches and publishes every reading from `source` (or `batches`), waiting for
 * room in the sink's window before each (so a slow or blocked broker slows the source instead
 * of growing memory). Resolves when the source is exhausted or the signal aborts and every
 * published reading is confirmed or has failed.
 *
 * While the sink is writable and the items come in `batches`, it allocates no promise per
 * reading; readings that need no conflict check reach the sink unserialized.
 */
export async function publishReadings<T>(options: PublishReadingsOptions<T>): Promise<void> {
  const { sink, stats, signal, identities, unknownFields, onFailed } = options;
  const valueOptions = { unknownFields };
  const readingOf = options.readingOf ?? ((item: T): unknown => item);
  // A count rather than a set of promises: this runs for every reading.
  let unconfirmed = 0;
  let allSettled: (() => void) | undefined;
  const settled: SettledReading = (id, err) => {
    if (err) {
      countFailure(stats, err);
      try {
        onFailed?.(id, err);
      } catch {
        // Only a report; a sink settles the rest of an envelope after this one.
      }
    } else {
      stats.confirmed++;
    }
    if (--unconfirmed === 0) allSettled?.();
  };
  const send = (reading: OutgoingReading): void => {
    stats.published++;
    unconfirmed++;
    sink.publish(reading, settled);
  };
  /** Takes one item; returns a promise only when the next one must wait for it. */
  const take = (item: T): Promise<void> | void => {
    stats.received++;
    let reading: OutgoingReading;
    try {
      // Readings checked for conflicts are compared by their JSON text, so only they are serialized here.
      reading = identities
        ? toReadingMessage(readingOf(item), {
            unknownFields,
            identities: { seen: identities.seen, label: identities.labelOf(item) },
          })
        : toReadingValue(readingOf(item), valueOptions);
    } catch (err) {
      if (!(err instanceof InvalidSensorReadingError)) throw err;
      countRejection(stats, err);
      return options.onRejected?.(err, item);
    }
    if (sink.isWritable()) return send(reading);
    return sink.whenWritable().then(() => send(reading));
  };
  if ('batches' in options) {
    outer: for await (const batch of options.batches) {
      for (const item of batch) {
        if (signal?.aborted) break outer;
        const waiting = take(item);
        if (waiting) await waiting;
      }
      if (signal?.aborted) break;
    }
  } else {
    for await (const item of options.source) {
      if (signal?.aborted) break;
      const waiting = take(item);
      if (waiting) await waiting;
      if (signal?.aborted) break;
    }
  }
  if (unconfirmed > 0) await new Promise<void>((resolve) => (allSettled = resolve));
}
