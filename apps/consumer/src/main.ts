import 'reflect-metadata';
import pino from 'pino';
import pretty from 'pino-pretty';
import { BrokerConnection, QueueConsumer, logBrokerEvents, topologyFor } from '@sensors/messaging';
import { createDataSource, isDataError, migrate, saveReadings } from '@sensors/persistence';
import { createShutdown, redactUrl, retry, serializeError, startProgressLog } from '@sensors/runtime';
import { loadConsumerConfig } from './config';
import { consumeReadings, type ConsumerStats, type PendingReading } from './consume-readings';
import { ReadingBatcher } from './reading-batcher';

async function main(): Promise<void> {
  const config = loadConsumerConfig(process.argv.slice(2));
  const log = pino(
    { level: config.logLevel, base: { app: 'consumer' }, serializers: { err: serializeError } },
    config.logPretty ? pretty() : undefined,
  );
  const stopping = new AbortController();
  process.once('SIGINT', () => stopping.abort()).once('SIGTERM', () => stopping.abort());

  const dbLog = log.child({ component: 'database' });
  const dataSource = await retry(
    () => createDataSource({ url: config.databaseUrl, applicationName: 'sensors-consumer' }).initialize(),
    {
      signal: stopping.signal,
      onError: (err, attempt, retryInMs) =>
        dbLog.warn({ err, attempt, retryInMs, url: redactUrl(config.databaseUrl) }, 'database unreachable, retrying'),
    },
  );
  dbLog.info({ url: redactUrl(config.databaseUrl) }, 'database connected');
  if (config.migrateOnStart || config.command === 'migrate') {
    dbLog.info({ applied: await migrate(dataSource) }, 'database migrated');
  }
  if (config.command === 'migrate') return dataSource.destroy();

  const stats: ConsumerStats = { consumed: 0, stored: 0, duplicates: 0, deadLettered: 0, batches: 0 };
  const broker = new BrokerConnection({ urls: config.amqpUrls, connectionName: `sensors-consumer:${config.queue}` });
  logBrokerEvents(broker, log.child({ component: 'broker' }));
  const readingLog = log.child({ component: 'pipeline' });
  const batcher: ReadingBatcher<PendingReading> = new ReadingBatcher({
    maxSize: config.batchSize,
    maxWaitMs: config.flushIntervalMs,
    write: (batch) => pipeline.writeBatch(batch),
    onWriteError: (err, attempt, retryInMs) =>
      dbLog.warn({ err, attempt, retryInMs }, 'batch write failed, holding the batch and retrying'),
  });
  const pipeline = consumeReadings(
    {
      saveReadings: (readings) => saveReadings(dataSource, readings),
      isDataError,
      enqueue: (pending) => batcher.add(pending),
      onDeadLetter: (delivery, code, err) =>
        readingLog.warn({ id: delivery.properties.messageId, reason: code, err: err.message }, 'reading dead-lettered'),
    },
    stats,
  );
  const topology = topologyFor(config);
  const consumer = new QueueConsumer(broker, { topology, prefetch: config.prefetch, onMessage: pipeline.onMessage });
  broker.start();
  const stopProgress = startProgressLog(log.child({ component: 'progress' }), config.progressIntervalMs, () => ({
    ...stats,
    waiting: batcher.size,
  }));
  log.info(
    {
      queue: topology.queue,
      batchSize: config.batchSize,
      flushIntervalMs: config.flushIntervalMs,
      prefetch: config.prefetch,
    },
    'consumer started',
  );

  await new Promise((resolve) => stopping.signal.addEventListener('abort', resolve, { once: true }));
  log.info('shutting down');
  const clean = await createShutdown({
    timeoutMs: config.shutdownTimeoutMs,
    onStepError: (step, err) => log.error({ step, err }, 'shutdown step failed'),
    steps: [
      { name: 'stop consuming', run: () => consumer.stop() },
      { name: 'flush the last batch', run: () => batcher.flush() },
      { name: 'stop retrying', run: () => batcher.close() },
      { name: 'close the broker connection', run: () => broker.close() },
      { name: 'close the database', run: () => dataSource.destroy() },
      { name: 'stop the progress log', run: stopProgress },
    ],
  })();
  log.info({ ...stats, clean }, 'consumer stopped');
  process.exitCode = clean ? 0 : 1;
}

main().catch((err: unknown) => {
  pino({ base: { app: 'consumer' }, serializers: { err: serializeError } }).fatal({ err }, 'consumer failed to start');
  process.exit(1);
});
