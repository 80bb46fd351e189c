import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Registry } from 'prom-client';
import { BrokerConnection, logBrokerEvents, topologyFor, whenBrokerRefuses } from '@sensors/messaging';
import { createDataSource, databaseRefusal, isDataError, saveReadings } from '@sensors/persistence';
import {
  createMetricsRegistry,
  createShutdown,
  redactUrl,
  retry,
  startOpsServer,
  startProgressLog,
  StartupError,
  usesDefaultPassword,
  type OpsServer,
} from '@sensors/runtime';
import type { ConsumerConfig, DatabaseConfig } from './config';
import { newConsumerStats, type ConsumerStats } from './consume-readings';
import { registerConsumerMetrics, type ConsumerGauges, type ConsumerMetrics } from './consumer-metrics';
import { watchDatabase, type DatabaseHealth } from './database-health';
import {
  registerPartitionMetrics,
  startPartitionMaintenance,
  type PartitionMaintainer,
  type PartitionTotals,
} from './maintain-partitions';
import { migrateDatabase } from './migrate-database';
import { ReadingConsumer } from './reading-consumer';
import { VERSION } from './version';

/** What {@link startConsumer} takes from the app besides its configuration. */
export interface ConsumerContext {
  log: Logger;
  /** Aborted on a signal; aborted by the consumer when the broker refuses it for good. */
  stopping: AbortController;
}

/** A consumer started by {@link startConsumer}. */
export interface RunningConsumer {
  readonly stats: ConsumerStats;
  /** Set when the broker refused the consumer for good (credentials, virtual host, permissions). */
  readonly failure: StartupError | undefined;
  /** The consumer's shutdown (see {@link closeConsumer}); resolves whether every step finished in time. */
  close(): Promise<boolean>;
}

/**
 * Starts the consumer in order: metrics and health (every series from the first scrape, /readyz
 * saying what start-up waits for), the database (migrated unless `--migrate-on-start false`),
 * partition upkeep, the broker connection and the pipeline, and the progress log. Retries what
 * may come back until `stopping` aborts; rejects with a {@link StartupError} on what retrying
 * cannot fix, and aborts `stopping` when the broker refuses the consumer later.
 */
export async function startConsumer(config: ConsumerConfig, context: ConsumerContext): Promise<RunningConsumer> {
  const { log, stopping } = context;
  const { stats, started, metrics, partitionTotals, ops } = await startMonitoring(config, log);
  const dataSource = await connectDatabase(
    config.database,
    config.database.migrateOnStart,
    log.child({ component: 'database' }),
    stopping.signal,
  );
  const partitions = await startPartitionMaintenance({
    ownerUrl: config.database.migrationUrl,
    config: config.partitions,
    log: log.child({ component: 'partitions' }),
    totals: partitionTotals,
  });
  const topology = topologyFor(config.topology);
  const broker = new BrokerConnection({
    urls: config.amqp.urls,
    connectionName: `sensors-consumer:${config.topology.queue}`,
  });
  logBrokerEvents(broker, log.child({ component: 'broker' }));
  // Credentials, virtual host or permissions the broker refuses: no retry will help.
  let failure: StartupError | undefined;
  void whenBrokerRefuses(broker, '--amqp-url').then((refusal) => {
    failure = refusal;
    stopping.abort();
  });
  const database = watchDatabase(() => dataSource.query('SELECT 1'), 5000);
  const consumer = new ReadingConsumer({
    ...config.batching,
    broker,
    topology,
    database,
    stats,
    saveReadings: (readings, times) => saveReadings(dataSource, readings, { notBefore: partitions.notBefore(), times }),
    isDataError,
    log: log.child({ component: 'pipeline' }),
  });
  Object.assign(started, { broker, database, consumer });
  consumer
    .on('batch-stored', (times, seconds) => metrics.observeBatch(times, seconds))
    .on('write-failed', (cause) => metrics.countWriteFailure(cause));
  broker.start();
  const progressLog = log.child({ component: 'progress' });
  const stopProgress = startProgressLog(progressLog, config.ops.progressIntervalMs, () => consumer.progress());
  // NDJSON lines carry the version in every line, human-readable ones only here.
  const version = config.logging.pretty ? { version: VERSION } : {};
  log.info({ ...version, queue: topology.queue, metricsPort: ops.port, ...config.batching }, 'consumer started');
  const parts = { consumer, broker, partitions, dataSource, database, stopProgress, ops };
  const close = closeConsumer(parts, { timeoutMs: config.ops.shutdownTimeoutMs, log });
  return {
    stats,
    get failure() {
      return failure;
    },
    close,
  };
}

/**
 * The `migrate` command: connects to the database (retrying until `stopping` aborts), applies the
 * migrations and closes it. It serves no metrics or health: a one-shot command has nothing to
 * report, and a consumer running on the same machine holds the port.
 */
export async function migrateConsumerDatabase(config: ConsumerConfig, context: ConsumerContext): Promise<void> {
  const { log, stopping } = context;
  warnOfDefaultPasswords(
    { SENSORS_DATABASE_URL: config.database.url, SENSORS_DATABASE_MIGRATION_URL: config.database.migrationUrl },
    log,
  );
  const dataSource = await connectDatabase(
    config.database,
    true,
    log.child({ component: 'database' }),
    stopping.signal,
  );
  await dataSource.destroy();
}

/** What a running consumer's shutdown closes, in the order {@link closeConsumer} closes it. */
export interface ConsumerParts {
  consumer: Pick<ReadingConsumer, 'close'>;
  broker: Pick<BrokerConnection, 'close'>;
  partitions: Pick<PartitionMaintainer, 'stop'>;
  dataSource: Pick<DataSource, 'destroy'>;
  database: Pick<DatabaseHealth, 'stop'>;
  stopProgress: () => void;
  ops: Pick<OpsServer, 'close'>;
}

/**
 * Returns the consumer's one shutdown routine: cancel the subscription, flush the batches and
 * ack what they stored, close the channel (all in {@link ReadingConsumer.close}), then the
 * broker connection, partition upkeep, the database, the watchers and the metrics endpoint.
 * Each step is attempted whatever the others did, all within `timeoutMs` (a write still running
 * then is abandoned unacked, for the broker to redeliver); it runs once however often it is
 * called, and resolves whether every step finished cleanly.
 */
export function closeConsumer(
  parts: ConsumerParts,
  options: { timeoutMs: number; log: Logger },
): () => Promise<boolean> {
  const { log } = options;
  const shutdown = createShutdown({
    timeoutMs: options.timeoutMs,
    onStepError: (step, err) => log.error({ step, err }, 'shutdown step failed'),
    steps: [
      { name: 'stop consuming, flush and ack', run: (signal) => parts.consumer.close(signal) },
      { name: 'close the broker connection', run: () => parts.broker.close() },
      { name: 'stop maintaining partitions', run: () => parts.partitions.stop() },
      { name: 'close the database', run: () => parts.dataSource.destroy() },
      { name: 'stop watching', run: () => (parts.stopProgress(), parts.database.stop()) },
      { name: 'close the metrics endpoint', run: () => parts.ops.close() },
    ],
  });
  let closing: Promise<boolean> | undefined;
  return () => {
    if (!closing) log.info({}, 'shutting down');
    return (closing ??= shutdown());
  };
}

/** What /readyz and the metrics read, filled in as start-up reaches it. */
interface StartedParts {
  database?: DatabaseHealth;
  broker?: BrokerConnection;
  consumer?: ReadingConsumer;
}

/**
 * Registers every metric, read from whatever start-up has reached (0, not connected, nothing
 * held while it still waits for the database or the broker, so that an alert on
 * `sensors_broker_connected == 0` fires for an app that never connected), and serves them with
 * health before anything else.
 */
async function startMonitoring(
  config: ConsumerConfig,
  log: Logger,
): Promise<{
  stats: ConsumerStats;
  started: StartedParts;
  metrics: ConsumerMetrics;
  partitionTotals: PartitionTotals;
  ops: OpsServer;
}> {
  const registry = createMetricsRegistry(VERSION);
  const stats = newConsumerStats();
  const started: StartedParts = {};
  const metrics = registerConsumerMetrics(registry, stats, startedGauges(started));
  const partitionTotals = registerPartitionMetrics(registry);
  const ops = await startOps(config, registry, started, log);
  return { stats, started, metrics, partitionTotals, ops };
}

function startedGauges(started: StartedParts): ConsumerGauges {
  return {
    unacked: () => started.consumer?.unacked ?? 0,
    bufferedReadings: () => started.consumer?.bufferedReadings ?? 0,
    queueDepth: async () => started.consumer?.queueDepth(),
    brokerConnected: () => started.broker?.connected ?? false,
    databaseHealthy: () => started.database?.healthy() ?? false,
    reconnects: () => ({ broker: started.broker?.reconnects ?? 0, database: started.database?.recoveries() ?? 0 }),
  };
}

function whyNotReady(started: StartedParts): (string | undefined)[] {
  return [
    started.database ? started.database.reason() : 'database not connected yet',
    started.broker?.connected ? undefined : 'broker not connected',
  ];
}

/** Serves metrics and health, and warns of default passwords. */
async function startOps(
  config: Pick<ConsumerConfig, 'ops' | 'database' | 'amqp'>,
  registry: Registry,
  started: StartedParts,
  log: Logger,
): Promise<OpsServer> {
  const ops = await startOpsServer({ ...config.ops, registry, notReady: () => whyNotReady(started) });
  log.info({ metricsPort: ops.port, metricsHost: config.ops.metricsHost }, 'serving metrics and health');
  warnOfDefaultPasswords(
    {
      SENSORS_DATABASE_URL: config.database.url,
      SENSORS_DATABASE_MIGRATION_URL: config.database.migrationUrl,
      SENSORS_AMQP_URL: config.amqp.urls.join(','),
    },
    log,
  );
  return ops;
}

/** Warns of each setting (comma-separated URLs, by their variable) that holds a default password. */
function warnOfDefaultPasswords(settings: Record<string, string>, log: Logger): void {
  for (const [setting, value] of Object.entries(settings)) {
    if (value.split(',').some(usesDefaultPassword)) {
      log.warn({ setting }, 'DEFAULT PASSWORD IN USE: fine on a laptop, never in production');
    }
  }
}

/**
 * Connects to Postgres, retrying until it answers or `signal` aborts, and migrates when `migrate`
 * says so. What retrying cannot fix (a missing database, a refused password, a missing
 * privilege) rejects at once with a {@link StartupError} that names the setting to correct.
 */
async function connectDatabase(
  config: DatabaseConfig,
  migrate: boolean,
  log: Logger,
  signal: AbortSignal,
): Promise<DataSource> {
  const dataSource = await retry(
    () => createDataSource({ url: config.url, applicationName: 'sensors-consumer' }).initialize(),
    {
      signal,
      retryIf: (err) => databaseRefusal(err) === undefined,
      onError: (err, attempt, retryInMs) =>
        log.warn({ err, attempt, retryInMs, url: config.url }, 'database unreachable, retrying'),
    },
  ).catch((err: unknown) => {
    throw explainRefusal(err, '--database-url', config.url);
  });
  log.info({ url: config.url }, 'database connected');
  if (migrate) {
    const applied = await migrateDatabase(config, dataSource).catch(async (err: unknown) => {
      await dataSource.destroy();
      throw explainRefusal(err, '--migration-database-url', config.migrationUrl);
    });
    log.info({ applied }, 'database migrated');
  }
  return dataSource;
}

function explainRefusal(err: unknown, setting: string, url: string): unknown {
  const refusal = databaseRefusal(err);
  if (refusal === undefined) return err;
  return new StartupError(refusal.reason, {
    fix: refusal.fix.replaceAll('the URL', setting),
    details: { setting, url: redactUrl(url), sqlstate: refusal.code, detail: (err as Error).message },
    cause: err,
  });
}
