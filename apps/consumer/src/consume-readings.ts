import type { Delivery } from '@sensors/messaging';
import { enrichReading } from '@sensors/enrichment';
import { InvalidSensorReadingError, parseSensorReading, type EnrichedSensorReading } from '@sensors/sensor-model';

/** A valid reading waiting for its batch, with the message to ack once it is stored. */
export interface PendingReading {
  reading: EnrichedSensorReading;
  delivery: Delivery;
}

/** Running totals, read by the progress log and the metrics. */
export interface ConsumerStats {
  consumed: number;
  stored: number;
  duplicates: number;
  deadLettered: number;
  deadLetteredByReason: Record<string, number>;
  batches: number;
}

/** Fresh totals, all zero. */
export function newConsumerStats(): ConsumerStats {
  return { consumed: 0, stored: 0, duplicates: 0, deadLettered: 0, deadLetteredByReason: {}, batches: 0 };
}

/** What the pipeline needs from the outside world; tests pass fakes. */
export interface ConsumeReadingsDeps {
  /** Writes a batch in one statement; resolves to how many readings were new. */
  saveReadings: (readings: EnrichedSensorReading[]) => Promise<number>;
  /** Whether the database rejected the data itself (so retrying the same rows cannot help). */
  isDataError: (err: unknown) => boolean;
  /** Hands a valid reading to the batcher. */
  enqueue: (pending: PendingReading) => void;
  onDeadLetter?: (delivery: Delivery, code: string, err: Error) => void;
  /** Told about each stored batch: its readings and how long the write took. */
  onBatchStored?: (readings: readonly EnrichedSensorReading[], seconds: number) => void;
}

const JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8']);

/**
 * Returns the two halves of the consumer's pipeline: `onMessage` validates each delivery and
 * either queues it for the next batch or dead-letters it with the reason; `writeBatch` stores a
 * batch and acks its messages only after the commit.
 */
export function consumeReadings(deps: ConsumeReadingsDeps, stats: ConsumerStats) {
  async function deadLetter(delivery: Delivery, code: string, err: Error, fields?: readonly string[]) {
    deps.onDeadLetter?.(delivery, code, err);
    if (await delivery.deadLetter({ code, message: err.message, fields })) {
      stats.deadLettered++;
      stats.deadLetteredByReason[code] = (stats.deadLetteredByReason[code] ?? 0) + 1;
    }
  }

  function onMessage(delivery: Delivery): void {
    stats.consumed++;
    const contentType = delivery.properties.contentType as string | undefined;
    if (contentType !== undefined && !JSON_TYPES.has(contentType.toLowerCase())) {
      const err = new Error(`Unsupported content type "${contentType}": readings must be application/json`);
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
        await deadLetter(pending.delivery, 'database-rejected', err as Error);
      }
    }
    stats.batches++;
  }

  return { onMessage, writeBatch };
}
