import { PublishRejectedError, type OutgoingMessage } from '@sensors/messaging';
import {
  InvalidSensorReadingError,
  MAX_ID_LENGTH,
  describeValue,
  type ReadingProblem,
  type UnknownFields,
} from '@sensors/sensor-model';
import {
  countRejection,
  publishCounted,
  rejectionReason,
  type PublisherStats,
  type ReadingSink,
} from '../publish-readings';
import { ReadingIdentities } from '../reading-identities';
import { toReadingMessage } from '../to-reading-message';
import type { RequestItem } from './read-request-readings';

/** An invalid reading of a request, and why. */
export interface RejectedReading {
  index: number;
  /** The reading's id, when it has a usable one. */
  id?: string;
  /** Each problem; a `value` longer than 200 characters of JSON is shown cut short, as a string. */
  problems: ReadingProblem[];
}

/** A valid reading the broker has not confirmed: sending it again is safe (ids are unique). */
export interface UnconfirmedReading {
  index: number;
  id: string;
  /** `timeout` (no confirm in time), or the broker's refusal: `returned`, `nacked`, `error`. */
  reason: string;
}

/** What became of each reading of a request. */
export interface BatchOutcome {
  /** Ids of the readings the broker confirmed: durably queued. */
  accepted: string[];
  /** The first {@link MAX_LISTED_REJECTIONS} invalid readings, so that an answer stays small. */
  rejected: RejectedReading[];
  /** How many readings were invalid, listed or not. */
  rejectedCount: number;
  /** Invalid readings by their first problem, e.g. `content.temperature_f must be a finite number`; sums to `rejectedCount`. */
  rejectedByReason: Record<string, number>;
  unconfirmed: UnconfirmedReading[];
}

export interface PublishBatchOptions {
  sink: ReadingSink;
  stats: PublisherStats;
  /** Longest wait for room in the window and for the confirms, in ms. */
  timeoutMs: number;
  /** Keep (default) or refuse the fields of `content` the model does not know. */
  unknownFields?: UnknownFields;
}

const EXPIRED = Symbol('expired');
const MAX_SHOWN_VALUE_LENGTH = 200;
/** Invalid readings listed in an answer; the others are counted. */
export const MAX_LISTED_REJECTIONS = 100;
/** Longest the validation of one request holds the event loop before letting other requests in, in ms. */
const SLICE_MS = 5;

/**
 * Validates, enriches and publishes the readings of one request and waits, at most
 * `timeoutMs`, until the broker has confirmed them, so that an accepted reading is a durable
 * one. Invalid readings do not stop the valid ones; a reading with the id and time of an
 * earlier one of the request but other content is invalid (a conflict). Validation yields to
 * other requests every few milliseconds.
 */
export async function publishBatch(items: readonly RequestItem[], options: PublishBatchOptions): Promise<BatchOutcome> {
  const { sink, stats } = options;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<typeof EXPIRED>((resolve) => (timer = setTimeout(resolve, options.timeoutMs, EXPIRED)));
  const rejected: RejectedReading[] = [];
  const rejectedByReason: Record<string, number> = {};
  let rejectedCount = 0;
  const seen = new ReadingIdentities(items.length);
  let sliceStart = performance.now();
  const sent: { index: number; id: string; outcome: string }[] = [];
  const confirmations: Promise<void>[] = [];
  let timedOut = false;
  try {
    for (const { index, input } of items) {
      if (performance.now() - sliceStart > SLICE_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
      stats.received++;
      let message: OutgoingMessage;
      try {
        message = toReadingMessage(asReadingInput(input), {
          unknownFields: options.unknownFields,
          identities: { seen, label: `reading ${index} of the request` },
        });
      } catch (err) {
        if (!(err instanceof InvalidSensorReadingError)) throw err;
        countRejection(stats, err);
        const reason = rejectionReason(err);
        rejectedByReason[reason] = (rejectedByReason[reason] ?? 0) + 1;
        if (++rejectedCount <= MAX_LISTED_REJECTIONS) {
          rejected.push({ index, ...idOf(input), problems: err.problems.map(shown) });
        }
        continue;
      }
      timedOut ||= (await Promise.race([sink.whenWritable(), expired])) === EXPIRED;
      const entry = { index, id: message.id, outcome: 'timeout' };
      sent.push(entry);
      if (timedOut) continue;
      entry.outcome = 'unconfirmed';
      confirmations.push(
        publishCounted(sink, stats, message).then((err) => {
          entry.outcome = err ? (err instanceof PublishRejectedError ? err.reason : 'error') : 'confirmed';
        }),
      );
    }
    await Promise.race([Promise.all(confirmations), expired]);
  } finally {
    clearTimeout(timer);
  }
  return {
    accepted: sent.filter((s) => s.outcome === 'confirmed').map((s) => s.id),
    rejected,
    rejectedCount,
    rejectedByReason,
    unconfirmed: sent
      .filter((s) => s.outcome !== 'confirmed')
      .map(({ index, id, outcome }) => ({ index, id, reason: outcome === 'unconfirmed' ? 'timeout' : outcome })),
  };
}

/** A string in a JSON body is a value, not JSON text for the parser to decode. */
function asReadingInput(input: unknown): unknown {
  if (typeof input === 'string') {
    throw new InvalidSensorReadingError([{ field: '(reading)', value: input, problem: 'must be a JSON object' }]);
  }
  return input;
}

function idOf(input: unknown): { id?: string } {
  let value = input;
  if (Buffer.isBuffer(input)) {
    try {
      value = JSON.parse(input.toString('utf8'));
    } catch {
      return {};
    }
  }
  const id = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['id'] : undefined;
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH ? { id } : {};
}

/** The problem with its value as found, or described in a few characters when it is long or deep. */
function shown(problem: ReadingProblem): ReadingProblem {
  const { value } = problem;
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'string' && value.length > MAX_SHOWN_VALUE_LENGTH
      ? { ...problem, value: describeValue(value) }
      : problem;
  }
  return { ...problem, value: describeValue(value) };
}
