import type { Delivery } from '@sensors/messaging';
import { enrichReadingInPlace } from '@sensors/enrichment';
import {
  ENVELOPE_CONTENT_TYPE,
  InvalidEnvelopeError,
  InvalidSensorReadingError,
  MAX_ENVELOPE_BYTES,
  READING_CONTENT_TYPE,
  DEAD_LETTER_CODES as CODES,
  parseSensorEnvelope,
  parseTimedSensorReading,
  readMessageFormat,
  type DeadLetterCode,
  type EnrichedSensorReading,
  type MeasurementTime,
} from '@sensors/sensor-model';
import type { RejectedReading, SaveReport } from '@sensors/persistence';
import { EnvelopeAck, type ReadingOrigin } from './envelope-ack';
import { stringifyJson } from './stringify-json';

/**
 * The largest message read, in bytes: an envelope's limit with room for a reading's unknown
 * fields; anything larger is dead-lettered unparsed, so a message cannot make the consumer
 * parse (and hold) an unbounded body.
 */
export const MAX_MESSAGE_BYTES = 2 * MAX_ENVELOPE_BYTES;

/** A valid reading in memory until its batch is written, with what to settle once it is stored. */
export interface BufferedReading {
  reading: EnrichedSensorReading;
  /** Its message, or its envelope: shared by every reading of that message. */
  origin: ReadingOrigin;
  /** Its place in its envelope (0 for a message of its own). */
  index: number;
  /** Its `time_of_measurement` as validation read it: stored and measured without reading it again. */
  time: MeasurementTime;
}

/** Running totals, read by the progress log and the metrics. */
export interface ConsumerStats {
  /** Readings taken from the queue (a message that cannot be read at all counts as one). */
  consumed: number;
  stored: number;
  duplicates: number;
  deadLettered: number;
  deadLetteredByReason: Record<string, number>;
  batches: number;
  /** Envelopes among the messages taken. */
  envelopes: number;
}

/** Fresh totals, all zero. */
export function newConsumerStats(): ConsumerStats {
  return {
    consumed: 0,
    stored: 0,
    duplicates: 0,
    deadLettered: 0,
    deadLetteredByReason: {},
    batches: 0,
    envelopes: 0,
  };
}

/** What the pipeline needs from the outside world; tests pass fakes. */
export interface ConsumeReadingsDeps {
  /** Writes a batch in one statement, with each reading's instant as validation read it. */
  saveReadings: (readings: EnrichedSensorReading[], times: MeasurementTime[]) => Promise<SaveReport>;
  /** Whether the database rejected the data itself (so retrying the same rows cannot help). */
  isDataError: (err: unknown) => boolean;
  /** Hands a valid reading to the batcher. */
  enqueue: (buffered: BufferedReading) => void;
  /**
   * Whether the batches can take more readings now (default: always). When not, messages wait
   * as they came, unread, until {@link ConsumeReadings.resume}: a message's bytes take a few times
   * less memory than its readings as objects, and an envelope may hold a thousand of them.
   */
  hasRoom?: () => boolean;
  /** Told how many readings each message held, once read (one for what cannot be read). */
  onRead?: (readings: number) => void;
  /**
   * Told about each dead letter once the broker has confirmed it: the message id
   * (`<envelope id>#<index>` for a reading of an envelope).
   */
  onDeadLetter?: (messageId: string | undefined, code: string, err: Error) => void;
  /** Told about each stored batch: when its readings were measured and how long the write took. What it throws is only reported. */
  onBatchStored?: (times: readonly MeasurementTime[], seconds: number) => void;
  /** Told when something run for a committed batch (metrics, logs) threw: the batch stays committed. */
  onAfterCommitError?: (err: unknown) => void;
  /** Told when handling a message threw an error of ours; the message is dead-lettered with it. */
  onMessageError?: (messageId: string | undefined, err: unknown) => void;
  /** Deliveries a message may have had before it is dead-lettered unread as `repeated-crash` (default 5). */
  maxRedeliveries?: number;
}

/** The consumer's pipeline, as returned by {@link consumeReadings}. */
export interface ConsumeReadings {
  /** Takes a delivery: reads it now, or keeps it unread while the batches have no room. */
  onMessage(delivery: Delivery): void;
  /** Reads buffered messages while the batches have room (dropping those whose channel closed); call whenever a batch leaves. */
  resume(): void;
  /** Reads every buffered message, room or not: at shutdown, before the last flush. */
  readAll(): void;
  /** Messages delivered and kept unread. */
  readonly bufferedMessages: number;
  /** Stores a batch and settles its readings after the commit. */
  writeBatch(batch: BufferedReading[]): Promise<void>;
}

/**
 * Returns the consumer's pipeline: `onMessage` validates each delivery (one reading, or an
 * envelope of them) and queues its valid readings for the next batches or dead-letters what is
 * invalid with the reason; `writeBatch` stores a batch and settles its readings only after the
 * commit. A message is acked once every reading in it is settled.
 */
export function consumeReadings(deps: ConsumeReadingsDeps, stats: ConsumerStats): ConsumeReadings {
  const hasRoom = deps.hasRoom ?? (() => true);
  const maxRedeliveries = deps.maxRedeliveries ?? 5;
  const unread: Delivery[] = [];

  function counted(id: string | undefined, code: DeadLetterCode, err: Error, confirmed: boolean): boolean {
    if (confirmed) {
      stats.deadLettered++;
      stats.deadLetteredByReason[code] = (stats.deadLetteredByReason[code] ?? 0) + 1;
      try {
        deps.onDeadLetter?.(id, code, err);
      } catch {
        // Only a report: the dead letter exists and its message is acked.
      }
    }
    return confirmed;
  }

  async function deadLetter(delivery: Delivery, code: DeadLetterCode, err: Error, fields?: readonly string[]) {
    const id = delivery.properties.messageId as string | undefined;
    counted(id, code, err, await delivery.deadLetter({ code, message: err.message, fields }));
  }

  function onMessage(delivery: Delivery): void {
    if (unread.length > 0 || !hasRoom()) unread.push(delivery);
    else read(delivery);
  }

  function resume(): void {
    while (unread.length > 0 && hasRoom()) readUnread();
  }

  function readAll(): void {
    while (unread.length > 0) readUnread();
  }

  function readUnread(): void {
    const delivery = unread.shift() as Delivery;
    // Its channel closed while it waited: the broker delivers it again, behind this one.
    if (!delivery.stale) read(delivery);
  }

  /** The message boundary: whatever one message makes throw, it alone is dead-lettered with the error. */
  function read(delivery: Delivery): void {
    const consumedBefore = stats.consumed;
    try {
      readMessage(delivery);
      deps.onRead?.(stats.consumed - consumedBefore);
    } catch (thrown) {
      const err = thrown instanceof Error ? thrown : new Error(String(thrown));
      try {
        deps.onMessageError?.(delivery.properties.messageId as string | undefined, err);
      } catch {
        // The dead letter below carries the error all the same.
      }
      void deadLetter(delivery, CODES.consumerError, new Error(`${err.name}: ${err.message}`));
    }
  }

  function readMessage(delivery: Delivery): void {
    if (delivery.deliveryCount > maxRedeliveries) {
      stats.consumed++;
      const err = new Error(
        `Delivered ${delivery.deliveryCount + 1} times without being settled: each delivery ended its consumer (out of memory, a crash), so it is set aside unread (limit --max-redeliveries ${maxRedeliveries})`,
      );
      void deadLetter(delivery, CODES.repeatedCrash, err);
      return;
    }
    if (delivery.content.length > MAX_MESSAGE_BYTES) {
      stats.consumed++;
      const err = new Error(
        `Message of ${delivery.content.length} bytes, over the ${MAX_MESSAGE_BYTES} bytes the consumer reads: send large batches as several envelopes`,
      );
      void deadLetter(delivery, CODES.messageTooLarge, err);
      return;
    }
    const contentType = delivery.properties.contentType as string | undefined;
    const format = readMessageFormat(contentType);
    if (format === 'envelope') return onEnvelope(delivery);
    stats.consumed++;
    if (format === undefined) {
      const err = new Error(
        `Unsupported content type "${contentType}": a reading is ${READING_CONTENT_TYPE}, an envelope of readings ${ENVELOPE_CONTENT_TYPE}`,
      );
      void deadLetter(delivery, CODES.unsupportedContentType, err);
      return;
    }
    try {
      const { reading, time } = parseTimedSensorReading(delivery.content);
      deps.enqueue({ reading: enrichReadingInPlace(reading), origin: delivery, index: 0, time });
    } catch (err) {
      if (!(err instanceof InvalidSensorReadingError)) throw err;
      void deadLetter(delivery, CODES.invalidReading, err, err.fields);
    }
  }

  function onEnvelope(delivery: Delivery): void {
    stats.envelopes++;
    let parsed;
    try {
      parsed = parseSensorEnvelope(delivery.content);
    } catch (err) {
      if (!(err instanceof InvalidEnvelopeError)) throw err;
      stats.consumed++;
      void deadLetter(delivery, CODES.invalidEnvelope, err);
      return;
    }
    stats.consumed += parsed.count;
    const envelope = new EnvelopeAck(delivery, parsed.count);
    // Each bad reading as the envelope carries it, however deep it nests, written out before
    // any is dead-lettered: what throws here dead-letters the envelope alone, nothing twice.
    const bad = parsed.invalid.map(({ index, value, error }) => ({ index, error, json: stringifyJson(value) }));
    for (const { index, error, json } of bad) {
      const code = CODES.invalidReading;
      const reason = {
        code,
        message: `reading ${index} of envelope ${envelope.messageId}: ${error.message}`,
        fields: error.fields,
      };
      void envelope
        .deadLetterReading(index, Buffer.from(json), reason)
        .then((confirmed) => counted(`${envelope.messageId}#${index}`, code, error, confirmed));
    }
    for (const { index, reading, time } of parsed.readings) {
      // The envelope's parse built these readings for this consumer alone: enriched without a copy.
      deps.enqueue({ reading: enrichReadingInPlace(reading), origin: envelope, index, time });
    }
  }

  async function writeBatch(batch: BufferedReading[]): Promise<void> {
    try {
      const times = batch.map((p) => p.time);
      const started = performance.now();
      const report = await deps.saveReadings(
        batch.map((p) => p.reading),
        times,
      );
      afterCommit(() => deps.onBatchStored?.(times, (performance.now() - started) / 1000));
      stats.batches++;
      await settle(batch, report);
    } catch (err) {
      if (!deps.isDataError(err)) throw err;
      await isolateRejected(batch);
    }
  }

  /**
   * The database refused something in the batch: write each half on its own, halving again
   * what is refused, so that a bad reading ends up alone and is dead-lettered while the rest of
   * its batch is stored (a few writes, not one per reading). A transient error here propagates,
   * and the whole batch is retried (idempotent writes make that safe).
   */
  async function isolateRejected(batch: BufferedReading[]): Promise<void> {
    const middle = Math.ceil(batch.length / 2);
    for (const part of [batch.slice(0, middle), batch.slice(middle)]) {
      if (part.length > 0) await storeOrIsolate(part);
    }
    stats.batches++;
  }

  async function storeOrIsolate(part: BufferedReading[]): Promise<void> {
    try {
      await settle(
        part,
        await deps.saveReadings(
          part.map((p) => p.reading),
          part.map((p) => p.time),
        ),
      );
    } catch (err) {
      if (!deps.isDataError(err)) throw err;
      if (part.length > 1) {
        const middle = Math.ceil(part.length / 2);
        await storeOrIsolate(part.slice(0, middle));
        await storeOrIsolate(part.slice(middle));
        return;
      }
      const [{ reading, origin, index }] = part;
      const code = CODES.databaseRejected;
      const confirmed = await origin.deadLetter({ code, message: (err as Error).message }, index);
      counted(reading.id, code, err as Error, confirmed);
    }
  }

  /**
   * Acks what the write stored or found stored already, and dead-letters each reading it
   * refused (a conflicting or expired reading) with the code and message the write gave.
   * Acks run in a plain loop: this is done for every reading, and only dead letters wait.
   */
  async function settle(batch: BufferedReading[], report: SaveReport): Promise<void> {
    stats.stored += report.stored;
    stats.duplicates += report.duplicates;
    // In batch order, as the report promises; sorted again all the same, since a refusal missed
    // here would be an ack.
    const rejected =
      report.rejected.length > 1 ? [...report.rejected].sort((a, b) => a.index - b.index) : report.rejected;
    const deadLetters: Promise<void>[] = [];
    let next = 0;
    for (let index = 0; index < batch.length; index++) {
      const buffered = batch[index];
      if (next < rejected.length && rejected[next].index === index) {
        deadLetters.push(deadLetterRefused(buffered, rejected[next++]));
      } else {
        buffered.origin.ack();
      }
    }
    if (deadLetters.length > 0) await Promise.all(deadLetters);
  }

  async function deadLetterRefused({ reading, origin, index }: BufferedReading, { code, message }: RejectedReading) {
    const confirmed = await origin.deadLetter({ code, message }, index);
    counted(reading.id, code, new Error(message), confirmed);
  }

  /** Runs what follows a commit: what it throws is reported, and the batch is still acked. */
  function afterCommit(run: () => void): void {
    try {
      run();
    } catch (err) {
      try {
        deps.onAfterCommitError?.(err);
      } catch {
        // Nothing after a commit may fail its batch.
      }
    }
  }

  return {
    onMessage,
    resume,
    readAll,
    get bufferedMessages() {
      return unread.length;
    },
    writeBatch,
  };
}
