import type { DeadLetterReason, Delivery } from '@sensors/messaging';
import { enrichReading } from '@sensors/enrichment';
import {
  ENVELOPE_CONTENT_TYPE,
  InvalidEnvelopeError,
  InvalidSensorReadingError,
  READING_CONTENT_TYPE,
  parseSensorEnvelope,
  parseSensorReading,
  readMessageFormat,
  type EnrichedSensorReading,
} from '@sensors/sensor-model';
import { EnvelopeAck } from './envelope-ack';

/**
 * What a queued reading is settled through: its own message, or its place in an envelope,
 * whose message is acked only once all of its readings are settled.
 */
export interface ReadingOrigin {
  /** The reading is stored. */
  ack(): void;
  /** Dead-letters the reading (a part of an envelope: `reading` as JSON), then settles it. */
  deadLetter(reason: DeadLetterReason, reading: EnrichedSensorReading): Promise<boolean>;
}

/** A valid reading waiting for its batch, with what to settle once it is stored. */
export interface PendingReading {
  reading: EnrichedSensorReading;
  delivery: ReadingOrigin;
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
  /** Writes a batch in one statement; resolves to how many readings were new. */
  saveReadings: (readings: EnrichedSensorReading[]) => Promise<number>;
  /** Whether the database rejected the data itself (so retrying the same rows cannot help). */
  isDataError: (err: unknown) => boolean;
  /** Hands a valid reading to the batcher. */
  enqueue: (pending: PendingReading) => void;
  /**
   * Whether the batches can take more readings now (default: always). When not, messages wait
   * as they came, unread, until {@link ConsumeReadings.resume}: a message's bytes take a few times
   * less memory than its readings as objects, and an envelope may hold a thousand of them.
   */
  hasRoom?: () => boolean;
  /** Told how many readings each message held, once read (one for what cannot be read). */
  onRead?: (readings: number) => void;
  /** Told about each dead letter: the message id (`<envelope id>#<index>` for a reading of an envelope). */
  onDeadLetter?: (messageId: string | undefined, code: string, err: Error) => void;
  /** Told about each stored batch: its readings and how long the write took. */
  onBatchStored?: (readings: readonly EnrichedSensorReading[], seconds: number) => void;
}

/** The consumer's pipeline, as returned by {@link consumeReadings}. */
export interface ConsumeReadings {
  /** Takes a delivery: reads it now, or holds it unread while the batches have no room. */
  onMessage(delivery: Delivery): void;
  /** Reads held messages while the batches have room (dropping those whose channel closed); call whenever a batch leaves. */
  resume(): void;
  /** Reads every held message, room or not: at shutdown, before the last flush. */
  readAll(): void;
  /** Messages held unread. */
  readonly held: number;
  /** Stores a batch and settles its readings after the commit. */
  writeBatch(batch: PendingReading[]): Promise<void>;
}

/**
 * Returns the consumer's pipeline: `onMessage` validates each delivery (one reading, or an
 * envelope of them) and queues its valid readings for the next batches or dead-letters what is
 * invalid with the reason; `writeBatch` stores a batch and settles its readings only after the
 * commit. A message is acked once every reading in it is settled.
 */
export function consumeReadings(deps: ConsumeReadingsDeps, stats: ConsumerStats): ConsumeReadings {
  const hasRoom = deps.hasRoom ?? (() => true);
  const held: Delivery[] = [];

  function counted(code: string, confirmed: boolean): boolean {
    if (confirmed) {
      stats.deadLettered++;
      stats.deadLetteredByReason[code] = (stats.deadLetteredByReason[code] ?? 0) + 1;
    }
    return confirmed;
  }

  async function deadLetter(delivery: Delivery, code: string, err: Error, fields?: readonly string[]) {
    deps.onDeadLetter?.(delivery.properties.messageId as string | undefined, code, err);
    counted(code, await delivery.deadLetter({ code, message: err.message, fields }));
  }

  function onMessage(delivery: Delivery): void {
    if (held.length > 0 || !hasRoom()) held.push(delivery);
    else read(delivery);
  }

  function resume(): void {
    while (held.length > 0 && hasRoom()) readHeld();
  }

  function readAll(): void {
    while (held.length > 0) readHeld();
  }

  function readHeld(): void {
    const delivery = held.shift() as Delivery;
    // Its channel closed while it waited: the broker delivers it again, behind this one.
    if (!delivery.stale) read(delivery);
  }

  function read(delivery: Delivery): void {
    const consumedBefore = stats.consumed;
    readMessage(delivery);
    deps.onRead?.(stats.consumed - consumedBefore);
  }

  function readMessage(delivery: Delivery): void {
    const contentType = delivery.properties.contentType as string | undefined;
    const format = readMessageFormat(contentType);
    if (format === 'envelope') return onEnvelope(delivery);
    stats.consumed++;
    if (format === undefined) {
      const err = new Error(
        `Unsupported content type "${contentType}": a reading is ${READING_CONTENT_TYPE}, an envelope of readings ${ENVELOPE_CONTENT_TYPE}`,
      );
      void deadLetter(delivery, 'unsupported-content-type', err);
      return;
    }
    try {
      deps.enqueue({ reading: enrichReading(parseSensorReading(delivery.content)), delivery });
    } catch (err) {
      if (!(err instanceof InvalidSensorReadingError)) throw err;
      void deadLetter(delivery, 'invalid-reading', err, err.fields);
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
      void deadLetter(delivery, 'invalid-envelope', err);
      return;
    }
    stats.consumed += parsed.count;
    const envelope = new EnvelopeAck(delivery, parsed.count);
    for (const { index, value, error } of parsed.invalid) {
      const code = 'invalid-reading';
      deps.onDeadLetter?.(`${envelope.messageId}#${index}`, code, error);
      const reason = {
        code,
        message: `reading ${index} of envelope ${envelope.messageId}: ${error.message}`,
        fields: error.fields,
      };
      void envelope
        .deadLetterReading(index, Buffer.from(JSON.stringify(value) ?? 'null'), reason)
        .then((confirmed) => counted(code, confirmed));
    }
    for (const { index, reading } of parsed.readings) {
      deps.enqueue({ reading: enrichReading(reading), delivery: envelope.reading(index) });
    }
  }

  async function writeBatch(batch: PendingReading[]): Promise<void> {
    try {
      const readings = batch.map((p) => p.reading);
      const started = performance.now();
      const stored = await deps.saveReadings(readings);
      deps.onBatchStored?.(readings, (performance.now() - started) / 1000);
      stats.stored += stored;
      stats.duplicates += batch.length - stored;
      stats.batches++;
      for (const pending of batch) pending.delivery.ack();
    } catch (err) {
      if (!deps.isDataError(err)) throw err;
      await isolateRejected(batch);
    }
  }

  /**
   * The database refused something in the batch: write the readings one by one so that only
   * the ones it refuses are dead-lettered. A transient error here propagates, and the whole
   * batch is retried (idempotent writes make that safe).
   */
  async function isolateRejected(batch: PendingReading[]): Promise<void> {
    for (const pending of batch) {
      try {
        const stored = await deps.saveReadings([pending.reading]);
        stats.stored += stored;
        stats.duplicates += 1 - stored;
        pending.delivery.ack();
      } catch (err) {
        if (!deps.isDataError(err)) throw err;
        const code = 'database-rejected';
        deps.onDeadLetter?.(pending.reading.id, code, err as Error);
        counted(code, await pending.delivery.deadLetter({ code, message: (err as Error).message }, pending.reading));
      }
    }
    stats.batches++;
  }

  return {
    onMessage,
    resume,
    readAll,
    get held() {
      return held.length;
    },
    writeBatch,
  };
}
