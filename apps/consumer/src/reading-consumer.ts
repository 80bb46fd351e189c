import { EventEmitter } from 'node:events';
import { PrefetchTuner, QueueConsumer, type BrokerConnection, type Topology } from '@sensors/messaging';
import {
  DEAD_LETTER_CODES,
  DEAD_LETTER_HEADERS,
  DEFAULT_ENVELOPE_READINGS,
  type EnrichedSensorReading,
  type MeasurementTime,
} from '@sensors/sensor-model';
import { Batcher, type EventLogger } from '@sensors/runtime';
import type { SaveReport } from '@sensors/persistence';
import { consumeReadings, type ConsumeReadings, type ConsumerStats, type BufferedReading } from './consume-readings';
import { writeFailureCause, type DatabaseHealth } from './database-health';

export interface ReadingConsumerOptions {
  broker: BrokerConnection;
  topology: Topology;
  batchSize: number;
  /** The batches' linger: longest a reading waits for its batch, in ms (`--batch-linger-ms`). */
  batchLingerMs: number;
  writeConcurrency: number;
  /** Most unacked messages, and about how many readings they should hold. */
  prefetch: number;
  prefetchReadings: number;
  maxRedeliveries: number;
  /** Writes a batch in one statement, with each reading's instant as validation read it. */
  saveReadings: (readings: EnrichedSensorReading[], times: MeasurementTime[]) => Promise<SaveReport>;
  /** Whether the database refused the data itself, so that retrying the same rows cannot help. */
  isDataError: (err: unknown) => boolean;
  database: DatabaseHealth;
  stats: ConsumerStats;
  log: EventLogger & { debug(fields: object, message: string): void };
}

/** What a {@link ReadingConsumer} tells its listeners (metrics); what they throw never fails a batch. */
export interface ReadingConsumerEvents {
  /** A batch was committed: when its readings were measured and how long the write took. */
  'batch-stored': [times: readonly MeasurementTime[], seconds: number];
  /** A batch write failed, by cause (an SQLSTATE or an error code); it is retried or split. */
  'write-failed': [cause: string];
}

/**
 * The consumer's flow in one owner: the subscription (prefetch sized in readings, read-ahead
 * held as bytes), the batches (size or linger, writes in flight, retries), acks after each
 * commit, dead letters, and one bounded {@link ReadingConsumer.close}.
 */
export class ReadingConsumer extends EventEmitter<ReadingConsumerEvents> {
  private readonly queue: QueueConsumer;
  private readonly batcher: Batcher<BufferedReading>;
  private readonly pipeline: ConsumeReadings;
  private readonly tuner: PrefetchTuner;

  constructor(private readonly options: ReadingConsumerOptions) {
    super();
    const { log } = options;
    this.tuner = new PrefetchTuner({
      items: options.prefetchReadings,
      maxMessages: options.prefetch,
      initialItemsPerMessage: DEFAULT_ENVELOPE_READINGS,
      apply: (count) => {
        log.debug({ prefetch: count }, 'prefetch follows the readings per message');
        void this.queue.setPrefetch(count);
      },
    });
    this.batcher = new Batcher({
      maxSize: options.batchSize,
      lingerMs: options.batchLingerMs,
      concurrency: options.writeConcurrency,
      // Every message the broker may lend is unacked: nothing more arrives until a write settles some.
      starved: () => this.queue.unacked >= this.queue.prefetch,
      onRoom: () => this.pipeline.resume(),
      write: (batch) => this.write(batch),
      onWriteError: (err, attempt, retryInMs) =>
        log[attempt === 0 ? 'warn' : 'error'](
          { err, cause: writeFailureCause(err), attempt, retryInMs },
          'batch write failed, holding the batch and retrying',
        ),
    });
    this.pipeline = consumeReadings(
      {
        saveReadings: options.saveReadings,
        isDataError: options.isDataError,
        enqueue: (buffered) => this.batcher.add(buffered),
        // Enough read ahead to keep every writer busy; the rest waits unread, as compact bytes.
        hasRoom: () => this.batcher.size < options.batchSize * (options.writeConcurrency + 1),
        onRead: (readings) => this.tuner.observe(readings),
        onDeadLetter: (id, code, err) => log.warn({ id, reason: code, err: err.message }, 'reading dead-lettered'),
        onMessageError: (id, err) => log.error({ id, err }, 'handling a message failed, dead-lettering it'),
        onBatchStored: (times, seconds) => this.emit('batch-stored', times, seconds),
        onAfterCommitError: (err) => log.error({ err }, 'reporting a stored batch failed; the batch stays stored'),
        maxRedeliveries: options.maxRedeliveries,
      },
      options.stats,
    );
    this.queue = new QueueConsumer(options.broker, {
      topology: options.topology,
      deadLetterHeaders: DEAD_LETTER_HEADERS,
      errorCode: DEAD_LETTER_CODES.consumerError,
      prefetch: this.tuner.prefetch,
      onMessage: (delivery) => this.pipeline.onMessage(delivery),
      onMessageError: (delivery, err) =>
        log.error(
          { id: delivery.properties.messageId as unknown, err },
          'handling a message failed, dead-lettering it',
        ),
    });
  }

  /** Messages delivered and not yet acked. */
  get unacked(): number {
    return this.queue.unacked;
  }

  /** Valid readings in memory, not yet taken into a batch write. */
  get bufferedReadings(): number {
    return this.batcher.size;
  }

  /** Messages delivered and kept unread while the batches have no room. */
  get bufferedMessages(): number {
    return this.pipeline.bufferedMessages;
  }

  /** The totals and what is not done yet, for the progress log. */
  progress(): Record<string, number> {
    const { consumed, stored, duplicates, deadLettered } = this.options.stats;
    return {
      consumed,
      stored,
      duplicates,
      deadLettered,
      unacked: this.unacked,
      bufferedReadings: this.bufferedReadings,
      bufferedMessages: this.bufferedMessages,
    };
  }

  /** Messages ready in the queue, as the broker counts them. */
  queueDepth(): Promise<number | undefined> {
    return this.queue.queueDepth();
  }

  /**
   * Stops taking messages, writes what was taken, acks it and closes the channel. Each step
   * runs even if one before failed; a write that cannot finish is left unacked (the broker
   * redelivers it) once `signal` aborts.
   */
  async close(signal: AbortSignal): Promise<void> {
    const abandon = () => this.batcher.close();
    signal.addEventListener('abort', abandon, { once: true });
    try {
      await this.queue.stop();
      this.pipeline.readAll();
      await this.batcher.flush();
    } finally {
      signal.removeEventListener('abort', abandon);
      this.batcher.close();
      await this.queue.close();
    }
  }

  private async write(batch: BufferedReading[]): Promise<void> {
    try {
      await this.pipeline.writeBatch(batch);
      this.options.database.succeeded();
    } catch (err) {
      this.options.database.failed(err);
      try {
        this.emit('write-failed', writeFailureCause(err));
      } catch {
        // Only a report: the batch is held and retried all the same.
      }
      throw err;
    }
  }
}
