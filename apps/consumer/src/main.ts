import 'reflect-metadata';
import pino from 'pino';
import pretty from 'pino-pretty';
import { BrokerConnection, QueueConsumer, logBrokerEvents, topologyFor } from '@sensors/messaging';
import { createDataSource, isDataError, saveReadings } from '@sensors/persistence';
import { DEFAULT_ENVELOPE_READINGS } from '@sensors/sensor-model';
import {
  Batcher,
  createMetricsRegistry,
  createShutdown,
  limitHeapGrowth,
  redactUrl,
  retry,
  serializeError,
  startOpsServer,
  startProgressLog,
  usesDefaultPassword,
} from '@sensors/runtime';
import { loadConsumerConfig } from './config';
import { consumeReadings, newConsumerStats, type PendingReading } from './consume-readings';
import { registerConsumerMetrics } from './consumer-metrics';
import { watchDatabase, writeFailureCause, type DatabaseHealth } from './database-health';
import { runDeadLettersCommand } from './dead-letters/dead-letters-command';
import { migrateDatabase } from './migrate-database';
import { PrefetchTuner } from './prefetch-tuner';


async function main(): Promise<void> {
  // V8 would let garbage grow the heap up to 4× past what is live at these allocation rates
  // (the publisher stays within bounds without it, and pays ~4 % more CPU with it).
  limitHeapGrowth(100);
  const config = loadConsumerConfig(process.argv.slice(2));
  if (config.deadLetters) {
    process.exitCode = await runDeadLettersCommand(config, config.deadLetters, {
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
    });
    return;
  }
  const log = pino(
    { level: config.logLevel, base: { app: 'consumer' }, serializers: { err: serializeError } },
    config.logPretty ? pretty() : undefined,
  );
  const stopping = new AbortController();
  process.once('SIGINT', () => stopping.abort()).once('SIGTERM', () => stopping.abort());

  // Up before anything else, so that /readyz says what start-up is waiting for.
  const registry = createMetricsRegistry();
  const started: { database?: DatabaseHealth; broker?: BrokerConnection } = {};
  const ops = await startOpsServer({
    port: config.metricsPort,
    registry,
    readiness: () => {
      const reasons = [
        started.database ? started.database.reason() : 'database not connected yet',
        started.broker?.connected ? undefined : 'broker not connected',
      ].filter((reason): reason is string => reason !== undefined);
      return { ready: reasons.length === 0, reasons };
    },
  });

  log.info({ metricsPort: ops.port }, 'serving metrics and health');
  for (const [setting, value] of Object.entries({
    DATABASE_URL: config.databaseUrl,
    DATABASE_MIGRATION_URL: config.migrationDatabaseUrl,
    AMQP_URL: config.amqpUrls.join(','),
  })) {
    if (value.split(',').some(usesDefaultPassword)) {
      log.warn({ setting }, 'DEFAULT PASSWORD IN USE: fine on a laptop, never in production');
    }
  }

  const dbLog = log.child({ component: 'database' });
  const url = redactUrl(config.databaseUrl);
  const dataSource = await retry(
    () => createDataSource({ url: config.databaseUrl, applicationName: 'sensors-consumer' }).initialize(),
    {
      signal: stopping.signal,
      backoff: { initialMs: 100, maxMs: 5_000 },
      onError: (err, attempt, retryInMs) =>
        dbLog.warn({ err, attempt, retryInMs, url }, 'database unreachable, retrying'),
    },
  );
  dbLog.info({ url }, 'database connected');
  if (config.migrateOnStart || config.command === 'migrate') {
    dbLog.info({ applied: await migrateDatabase(config, dataSource) }, 'database migrated');
  }
  if (config.command === 'migrate') {
    await ops.close();
    return dataSource.destroy();
  }

  const stats = newConsumerStats();
  const broker = new BrokerConnection({ urls: config.amqpUrls, connectionName: `sensors-consumer:${config.queue}` });
  logBrokerEvents(broker, log.child({ component: 'broker' }));
  const database = watchDatabase(() => dataSource.query('SELECT 1'), 5000);
  Object.assign(started, { broker, database });
  const batcher: Batcher<PendingReading> = new Batcher({
    maxSize: config.batchSize,
    maxWaitMs: config.flushIntervalMs,
    concurrency: config.writeConcurrency,
    // Every message the broker may lend is held: nothing more arrives until a write settles some.
    starved: () => consumer.unacked >= consumer.prefetch,
    onRoom: () => pipeline.resume(),
    write: async (batch) => {
      try {
        await pipeline.writeBatch(batch);
        database.succeeded();
      } catch (err) {
        database.failed(err);
        metrics.countWriteFailure(writeFailureCause(err));
        throw err;
      }
    },
    onWriteError: (err, attempt, retryInMs) =>
      (attempt === 0 ? dbLog.warn : dbLog.error).call(
        dbLog,
        { err, cause: writeFailureCause(err), attempt, retryInMs },
        'batch write failed, holding the batch and retrying',
      ),
  });
  const topology = topologyFor(config);
  const metrics = registerConsumerMetrics(registry, stats, {
    unacked: () => consumer.unacked,
    waiting: () => batcher.size,
    queueDepth: () => consumer.queueDepth(),
    brokerConnected: () => broker.connected,
    databaseHealthy: () => database.healthy(),
    reconnects: () => ({ broker: broker.reconnects, database: database.recoveries() }),
  });
  const prefetch = new PrefetchTuner({
    readings: config.prefetchReadings,
    maxMessages: config.prefetch,
    initialReadingsPerMessage: DEFAULT_ENVELOPE_READINGS,
    apply: (count) => {
      log.debug({ prefetch: count }, 'prefetch follows the readings per message');
      void consumer.setPrefetch(count);
    },
  });
  const readingLog = log.child({ component: 'pipeline' });
  const pipeline = consumeReadings(
    {
      saveReadings: (readings) => saveReadings(dataSource, readings),
      isDataError,
      enqueue: (pending) => batcher.add(pending),
      // Enough read ahead to keep every writer busy; the rest waits unread, as compact bytes.
      hasRoom: () => batcher.size < config.batchSize * (config.writeConcurrency + 1),
      onDeadLetter: (id, code, err) => readingLog.warn({ id, reason: code, err: err.message }, 'reading dead-lettered'),
      onMessageError: (id, err) => readingLog.error({ id, err }, 'handling a message failed, dead-lettering it'),
      onAfterCommitError: (err) => readingLog.error({ err }, 'reporting a stored batch failed; the batch stays stored'),
      maxRedeliveries: config.maxRedeliveries,
      onBatchStored: metrics.observeBatch,
      onRead: (readings) => prefetch.observe(readings),
    },
    stats,
  );
  const consumer = new QueueConsumer(broker, {
    topology,
    prefetch: prefetch.prefetch,
    onMessage: pipeline.onMessage,
    onMessageError: (delivery, err) =>
      readingLog.error({ id: delivery.properties.messageId as unknown, err }, 'handling a message failed, dead-lettering it'),
  });
  broker.start();
  const stopProgress = startProgressLog(log.child({ component: 'progress' }), config.progressIntervalMs, () => ({
    consumed: stats.consumed,
    stored: stats.stored,
    duplicates: stats.duplicates,
    deadLettered: stats.deadLettered,
    waiting: batcher.size,
    heldUnread: pipeline.held,
  }));
  log.info(
    {
      queue: topology.queue,
      batchSize: config.batchSize,
      flushIntervalMs: config.flushIntervalMs,
      writeConcurrency: config.writeConcurrency,
      prefetch: config.prefetch,
      prefetchReadings: config.prefetchReadings,
      metricsPort: ops.port,
    },
    'consumer started',
  );

  await new Promise((resolve) => stopping.signal.addEventListener('abort', resolve, { once: true }));
  log.info({}, 'shutting down');
  // Whatever is stuck (a write that never returns, a socket that never closes), the process ends.
  setTimeout(() => {
    log.error({ shutdownTimeoutMs: config.shutdownTimeoutMs }, 'shutdown overran its timeout, exiting');
    process.exit(1);
  }, config.shutdownTimeoutMs + 1000).unref();
  const clean = await createShutdown({
    timeoutMs: config.shutdownTimeoutMs,
    onStepError: (step, err) => log.error({ step, err }, 'shutdown step failed'),
    steps: [
      { name: 'stop consuming', run: () => consumer.stop() },
      {
        name: 'flush the last batch',
        run: () => {
          pipeline.readAll();
          return batcher.flush();
        },
      },
      { name: 'stop retrying', run: () => batcher.close() },
      { name: 'close the consumer channel', run: () => consumer.close() },
      { name: 'close the broker connection', run: () => broker.close() },
      { name: 'close the database', run: () => dataSource.destroy() },
      {
        name: 'stop watching',
        run: () => {
          stopProgress();
          database.stop();
        },
      },
      { name: 'close the metrics endpoint', run: () => ops.close() },
    ],
  })();
  log.info({ ...stats, clean }, 'consumer stopped');
  // Exit now: a handle left open by a step that timed out would otherwise keep the process alive.
  process.exit(clean ? 0 : 1);
}

main().catch((err: unknown) => {
  pino({ base: { app: 'consumer' }, serializers: { err: serializeError } }).fatal({ err }, 'consumer failed to start');
  process.exit(1);
});
