import 'reflect-metadata';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { BrokerConnection, logBrokerEvents, topologyFor } from '@sensors/messaging';
import { isDataError, saveReadings } from '@sensors/persistence';
import {
  createMetricsRegistry,
  limitHeapGrowth,
  loggerOptions,
  registerBuildInfo,
  startProgressLog,
  StartupError,
  startupFailureFields,
} from '@sensors/runtime';
import { checkConsumerConfig } from './check-consumer-config';
import { loadConsumerConfig } from './config';
import { newConsumerStats } from './consume-readings';
import { registerConsumerMetrics } from './consumer-metrics';
import { watchDatabase } from './database-health';
import { runDeadLettersCommand } from './dead-letters/dead-letters-command';
import { registerPartitionMetrics, startPartitionMaintenance } from './maintain-partitions';
import { ReadingConsumer } from './reading-consumer';
import { connectDatabase, shutDown, startedGauges, startOps, type StartedParts } from './consumer-lifecycle';
import { VERSION } from './version';

/** The app's logger; until the configuration is read, one without pretty printing. */
let log: Logger = pino(loggerOptions('consumer', VERSION));

async function main(): Promise<void> {
  // V8 would let garbage grow the heap up to 4× past what is live at these allocation rates.
  limitHeapGrowth(100);
  const config = loadConsumerConfig(process.argv.slice(2));
  const output = { out: (t: string) => process.stdout.write(t), err: (t: string) => process.stderr.write(t) };
  if (config.command === 'check-config') {
    process.exitCode = checkConsumerConfig(config, output);
    return;
  }
  if (config.deadLetters) {
    process.exitCode = await runDeadLettersCommand(config, config.deadLetters, output);
    return;
  }
  log = pino(loggerOptions('consumer', VERSION, config.logging), config.logging.pretty ? pretty() : undefined);
  for (const renamed of config.renamedVariables) {
    log.warn(renamed, 'deprecated environment variable: read for this release only, rename it');
  }
  const stopping = new AbortController();
  process.once('SIGINT', () => stopping.abort()).once('SIGTERM', () => stopping.abort());

  // Every series from the first scrape, while start-up still waits for the database or broker.
  const registry = createMetricsRegistry();
  registerBuildInfo(registry, VERSION);
  const stats = newConsumerStats();
  const started: StartedParts = {};
  const metrics = registerConsumerMetrics(registry, stats, startedGauges(started));
  const partitionTotals = registerPartitionMetrics(registry);
  const ops = await startOps(config, registry, started, log);
  const migrate = config.database.migrateOnStart || config.command === 'migrate';
  const dataSource = await connectDatabase(
    config.database,
    migrate,
    log.child({ component: 'database' }),
    stopping.signal,
  );
  if (config.command === 'migrate') {
    await Promise.all([ops.close(), dataSource.destroy()]);
    return;
  }

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
  broker.once('gave-up', ({ url, err, reason, fix }) => {
    const details = { url, detail: err.message };
    failure = new StartupError(reason, { fix: fix.replaceAll('the URL', '--amqp-url'), details, cause: err });
    stopping.abort();
  });
  const database = watchDatabase(() => dataSource.query('SELECT 1'), 5000);
  const consumer = new ReadingConsumer({
    ...config.batching,
    broker,
    topology,
    database,
    stats,
    saveReadings: (readings) => saveReadings(dataSource, readings, { notBefore: partitions.notBefore() }),
    isDataError,
    log: log.child({ component: 'pipeline' }),
  });
  Object.assign(started, { broker, database, consumer });
  consumer.on('batch-stored', metrics.observeBatch).on('write-failed', metrics.countWriteFailure);
  broker.start();
  const progressLog = log.child({ component: 'progress' });
  const stopProgress = startProgressLog(progressLog, config.ops.progressIntervalMs, () => consumer.progress());
  // NDJSON lines carry the version in every line, human-readable ones only here.
  const version = config.logging.pretty ? { version: VERSION } : {};
  log.info({ ...version, queue: topology.queue, metricsPort: ops.port, ...config.batching }, 'consumer started');

  await new Promise((resolve) => stopping.signal.addEventListener('abort', resolve, { once: true }));
  // Whatever is stuck (a write that never returns, a socket that never closes), the process ends.
  setTimeout(() => {
    log.error({ shutdownTimeoutMs: config.ops.shutdownTimeoutMs }, 'shutdown overran its timeout, exiting');
    process.exit(1);
  }, config.ops.shutdownTimeoutMs + 1000).unref();
  const clean = await shutDown(config.ops.shutdownTimeoutMs, log, [
    { name: 'stop consuming, flush and ack', run: (signal) => consumer.close(signal) },
    { name: 'close the broker connection', run: () => broker.close() },
    { name: 'stop maintaining partitions', run: () => partitions.stop() },
    { name: 'close the database', run: () => dataSource.destroy() },
    { name: 'stop watching', run: () => (stopProgress(), database.stop()) },
    { name: 'close the metrics endpoint', run: () => ops.close() },
  ]);
  if (failure) throw failure;
  log.info({ ...stats, clean }, 'consumer stopped');
  // Now: a handle left open by a step that timed out would otherwise keep the process alive.
  process.exit(clean ? 0 : 1);
}

main().catch((err: unknown) => {
  log.fatal(startupFailureFields(err), 'consumer failed to start');
  // pino-pretty writes through a stream: let it flush before exiting.
  log.flush(() => process.exit(1));
});
