import type { Readable } from 'node:stream';
import type { OutgoingMessage } from '@sensors/messaging';
import {
  DEAD_LETTER_HEADERS,
  DEAD_LETTER_CODES,
  InvalidSensorReadingError,
  type UnknownFields,
} from '@sensors/sensor-model';
import { publishReadings, type MessageTarget, type PublisherStats, type ReadingSink } from '../publish-readings';
import { ConflictingReadingError, ReadingIdentities } from '../reading-identities';
import { readNdjsonLines, type NdjsonLine } from './read-ndjson-lines';

const MAX_REASON_LENGTH = 2000;
/** How many readings back a conflicting one (same id and time, other content) is found. */
export const CONFLICT_WINDOW = 10_000;

export interface PublishNdjsonOptions {
  input: Readable;
  /** Names the input in the dead letters' message ids (`<label>:<line>`), e.g. `stdin` or the file's path. */
  label: string;
  /** Longer lines are rejected (and dead-lettered cut to this length). */
  maxLineBytes: number;
  /** Keep (default) or refuse the fields of `content` the model does not know. */
  unknownFields?: UnknownFields;
  sink: ReadingSink;
  /** Where invalid lines go, byte for byte, with the reason in their headers; without it they are skipped. */
  deadLetters?: MessageTarget;
  stats: PublisherStats;
  /** Stops reading; what was published still gets confirmed. */
  signal?: AbortSignal;
  onInvalidLine?: (line: number, err: InvalidSensorReadingError) => void;
  onFailed?: (id: string, err: Error) => void;
  onDeadLetterFailed?: (line: number, err: Error) => void;
}

/** What became of the input. */
export interface NdjsonResult {
  /** Whether every line was read (false: the signal stopped it first). */
  endOfInput: boolean;
}

/**
 * Publishes NDJSON readings, one per line, from a stream: each valid line is validated,
 * enriched and published as {@link publishReadings} does, with its backpressure; an invalid
 * one (not UTF-8, not JSON, not a valid reading, too long, or conflicting with one of the last
 * {@link CONFLICT_WINDOW} readings: same id and time, other content) is reported with its line
 * number and skipped or dead-lettered, and the rest carries on. Resolves once every line is read (or
 * the signal stops it) and every publish is confirmed or has failed.
 */
export async function publishNdjson(options: PublishNdjsonOptions): Promise<NdjsonResult> {
  const { input, label, maxLineBytes, deadLetters, stats, signal } = options;
  const deadLettering = new Set<Promise<void>>();
  let endOfInput = false;
  async function* lines(): AsyncGenerator<NdjsonLine> {
    yield* readNdjsonLines(input, { maxLineBytes, signal });
    endOfInput = !signal?.aborted;
  }

  await publishReadings({
    source: lines(),
    readingOf: (line) => {
      if (line.truncated) {
        throw new InvalidSensorReadingError([
          { field: '(reading)', value: undefined, problem: `is longer than ${maxLineBytes} bytes (--max-line-bytes)` },
        ]);
      }
      return line.bytes;
    },
    unknownFields: options.unknownFields,
    identities: { seen: new ReadingIdentities(CONFLICT_WINDOW), labelOf: (line) => `line ${line.number} of ${label}` },
    sink: options.sink,
    stats,
    signal,
    onFailed: options.onFailed,
    onRejected: async (err, line) => {
      options.onInvalidLine?.(line.number, err);
      if (!deadLetters) return;
      await deadLetters.whenWritable();
      stats.deadLetters++;
      const sent = deadLetters.publish(toDeadLetter(line, err, label)).then(
        () => void stats.deadLettered++,
        (failure: Error) => options.onDeadLetterFailed?.(line.number, failure),
      );
      deadLettering.add(sent);
      void sent.finally(() => deadLettering.delete(sent));
    },
  });
  await Promise.all(deadLettering);
  return { endOfInput };
}

function toDeadLetter(line: NdjsonLine, err: InvalidSensorReadingError, label: string): OutgoingMessage {
  return {
    id: `${label}:${line.number}`,
    body: line.bytes,
    headers: {
      [DEAD_LETTER_HEADERS.code]:
        err instanceof ConflictingReadingError
          ? DEAD_LETTER_CODES.conflictingReading
          : DEAD_LETTER_CODES.invalidReading,
      [DEAD_LETTER_HEADERS.message]: `line ${line.number} of ${label}: ${err.message}`.slice(0, MAX_REASON_LENGTH),
      [DEAD_LETTER_HEADERS.fields]: err.fields.join(','),
      [DEAD_LETTER_HEADERS.at]: new Date().toISOString(),
    },
  };
}
