import type { Registry } from 'prom-client';
import { Counter, Histogram } from 'prom-client';
import {
  DEAD_LETTER_CODES,
  isMeasurementTimeProblem,
  parseMeasurementTime,
  type EnrichedSensorReading,
} from '@sensors/sensor-model';
import { counterFrom, countersFrom, gaugesFrom, registerConnectionMetrics } from '@sensors/runtime';
import type { ConnectionGauges } from '@sensors/runtime';
import type { ConsumerStats } from './consume-readings';
import { WeightedHistogram } from './weighted-histogram';

/** Live values the consumer's metrics read at scrape time. */
export interface ConsumerGauges extends ConnectionGauges {
  /** Messages delivered and not yet acked. */
  unacked: () => number;
  /** Valid readings in memory, not yet taken into a batch write. */
  bufferedReadings: () => number;
  queueDepth: () => Promise<number | undefined>;
  databaseHealthy: () => boolean;
}

/** The histograms the pipeline feeds, one observation per stored batch. */
export interface ConsumerMetrics {
  observeBatch(readings: readonly EnrichedSensorReading[], seconds: number): void;
  /** Counts a failed batch write by its cause (an SQLSTATE, a network error code, or `unknown`). */
  countWriteFailure(cause: string): void;
}

/**
 * Registers the consumer's metrics: totals read from {@link ConsumerStats}, gauges read live,
 * and histograms of batch size, batch write time and end-to-end latency.
 */
export function registerConsumerMetrics(
  registry: Registry,
  stats: ConsumerStats,
  gauges: ConsumerGauges,
): ConsumerMetrics {
  countersFrom(registry, {
    sensors_readings_consumed_total: [
      'Readings taken from the queue (a message that cannot be read counts as one), redeliveries included.',
      () => stats.consumed,
    ],
    sensors_readings_stored_total: ['Readings written to Postgres for the first time.', () => stats.stored],
    sensors_readings_duplicates_total: [
      'Readings whose id was already stored (redeliveries, replays), ignored.',
      () => stats.duplicates,
    ],
    sensors_batches_total: ['Batches written to Postgres.', () => stats.batches],
    sensors_envelopes_consumed_total: ['Envelopes of readings taken from the queue.', () => stats.envelopes],
  });
  counterFrom(
    registry,
    {
      name: 'sensors_readings_dead_lettered_total',
      help: 'Readings moved to the dead-letter queue (a message that cannot be read counts as one), by reason.',
      labelName: 'reason',
      labelValues: Object.values(DEAD_LETTER_CODES),
    },
    () => stats.deadLetteredByReason,
  );
  gaugesFrom(registry, {
    sensors_consumer_unacked_messages: ['Messages delivered and not yet acked.', gauges.unacked],
    sensors_consumer_buffered_readings: [
      'Valid readings in memory, not yet taken into a batch write (their messages are unacked).',
      gauges.bufferedReadings,
    ],
    sensors_queue_ready_messages: ['Messages ready in the queue, as the broker counts them.', gauges.queueDepth],
    sensors_database_healthy: ['1 while Postgres answers and takes writes.', () => Number(gauges.databaseHealthy())],
  });
  registerConnectionMetrics(registry, gauges);

  const batchSize = new Histogram({
    name: 'sensors_batch_size_readings',
    help: 'Readings per batch written.',
    buckets: [1, 10, 50, 100, 250, 500, 1000, 2000, 5000],
    registers: [registry],
  });
  const batchDuration = new Histogram({
    name: 'sensors_batch_write_duration_seconds',
    help: 'Time to write one batch to Postgres.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  // Fed one call per run of readings measured at the same time, not one per reading.
  const latency = new WeightedHistogram(registry, {
    name: 'sensors_reading_latency_seconds',
    help: "From a reading's time_of_measurement to its commit in Postgres.",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  });
  const writeFailures = new Counter({
    name: 'sensors_batch_write_failures_total',
    help: 'Batch writes that failed and were retried or split, by cause (SQLSTATE or error code).',
    labelNames: ['cause'],
    registers: [registry],
  });
  return {
    countWriteFailure: (cause) => writeFailures.inc({ cause }),
    observeBatch(readings, seconds) {
      batchSize.observe(readings.length);
      batchDuration.observe(seconds);
      const now = Date.now();
      // Readings of one moment arrive together: each run of one time is parsed and observed once.
      let lastTime: string | undefined;
      let sinceMeasured = NaN;
      let run = 0;
      for (const reading of readings) {
        const time = reading.content.time_of_measurement;
        if (time === lastTime) {
          run++;
          continue;
        }
        if (Number.isFinite(sinceMeasured)) latency.observe(sinceMeasured, run);
        lastTime = time;
        run = 1;
        const measured = parseMeasurementTime(time);
        sinceMeasured = isMeasurementTimeProblem(measured) ? NaN : (now - measured.epochMs) / 1000;
      }
      if (Number.isFinite(sinceMeasured)) latency.observe(sinceMeasured, run);
    },
  };
}
