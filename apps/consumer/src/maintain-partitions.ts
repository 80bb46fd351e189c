import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createDataSource, maintainPartitions } from '@sensors/persistence';
import { counterFrom } from '@sensors/runtime';
import type { PartitionConfig } from './maintain-partitions-options';

const HOUR_MS = 3_600_000;

/** The consumer's partition upkeep, as returned by {@link startPartitionMaintenance}. */
export interface PartitionMaintainer {
  /** The retention's horizon now: readings measured before it are refused as `expired`. */
  notBefore(): Date | undefined;
  /** Stops the timer and waits for a run in progress. Idempotent. */
  stop(): Promise<void>;
}

/** What partition upkeep has done, read by its metrics. */
export interface PartitionTotals {
  dropped: number;
  expiredRowsDeleted: number;
  failures: number;
}

/** Registers the metrics of partition upkeep, at 0 until {@link startPartitionMaintenance} runs. */
export function registerPartitionMetrics(registry: Registry): PartitionTotals {
  const totals = { dropped: 0, expiredRowsDeleted: 0, failures: 0 };
  counterFrom(
    registry,
    { name: 'sensors_partitions_dropped_total', help: 'Partitions of sensor_readings dropped past the retention.' },
    () => totals.dropped,
  );
  counterFrom(
    registry,
    {
      name: 'sensors_expired_rows_deleted_total',
      help: 'Rows of the default partition deleted past the retention.',
    },
    () => totals.expiredRowsDeleted,
  );
  counterFrom(
    registry,
    { name: 'sensors_partition_maintenance_failures_total', help: 'Partition maintenance runs that failed.' },
    () => totals.failures,
  );
  return totals;
}

export interface PartitionMaintenanceOptions {
  /** The schema owner's URL: the apps' role may not create or drop tables. */
  ownerUrl: string;
  config: PartitionConfig;
  log: Logger;
  /** Counted into; see {@link registerPartitionMetrics}. */
  totals: PartitionTotals;
  /** Between runs. Default one hour. */
  intervalMs?: number;
}

/**
 * Runs `maintainPartitions` as the schema owner now (resolving once that run is over) and then
 * every `intervalMs`, logging what it created and dropped and counting it in `totals`. A failed
 * run is logged and tried again at the next tick: the default partition takes the readings of
 * any period without a partition meanwhile.
 */
export async function startPartitionMaintenance(options: PartitionMaintenanceOptions): Promise<PartitionMaintainer> {
  const { ownerUrl, config, log, totals, intervalMs = HOUR_MS } = options;

  async function run(): Promise<void> {
    const owner = createDataSource({ url: ownerUrl, poolSize: 2, applicationName: 'sensors-consumer-partitions' });
    try {
      await owner.initialize();
      const done = await maintainPartitions(owner, { period: config.period, retentionMs: config.retentionMs });
      totals.dropped += done.dropped.length;
      totals.expiredRowsDeleted += done.expiredRowsDeleted;
      if (done.created.length > 0 || done.dropped.length > 0 || done.expiredRowsDeleted > 0) {
        log.info(
          { created: done.created, dropped: done.dropped, expiredRowsDeleted: done.expiredRowsDeleted },
          'partitions maintained',
        );
      }
    } catch (err) {
      totals.failures++;
      log.warn({ err, retryInMs: intervalMs }, 'partition maintenance failed, trying again later');
    } finally {
      if (owner.isInitialized) await owner.destroy();
    }
  }

  let running = run();
  await running;
  const timer = setInterval(() => {
    running = running.then(run);
  }, intervalMs).unref();
  return {
    notBefore: () => (config.retentionMs === undefined ? undefined : new Date(Date.now() - config.retentionMs)),
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
