import pino from 'pino';
import pretty from 'pino-pretty';
import { BrokerConnection, ConfirmPublisher, logBrokerEvents, topologyFor } from '@sensors/messaging';
import { createShutdown, serializeError, startProgressLog } from '@sensors/runtime';
import { generateSensorReadings } from '@sensors/sensor-generator';
import { loadPublisherConfig } from './config';
import { publishReadings, type PublisherStats } from './publish-readings';

async function main(): Promise<void> {
  const config = loadPublisherConfig(process.argv.slice(2));
  const log = pino(
    { level: config.logLevel, base: { app: 'publisher' }, serializers: { err: serializeError } },
    config.logPretty ? pretty() : undefined,
  );
  const stopping = new AbortController();
  process.once('SIGINT', () => stopping.abort()).once('SIGTERM', () => stopping.abort());

  const broker = new BrokerConnection({ urls: config.amqpUrls, connectionName: `sensors-publisher:${config.queue}` });
  logBrokerEvents(broker, log.child({ component: 'broker' }));
  const publisher = new ConfirmPublisher(broker, { topology: topologyFor(config), maxInFlight: config.maxInFlight });
  broker.start();

  const stats: PublisherStats = { generated: 0, rejected: 0, published: 0, confirmed: 0, failed: 0 };
  const stopProgress = startProgressLog(log.child({ component: 'progress' }), config.progressIntervalMs, () => ({
    ...stats,
    inFlight: publisher.inFlight,
  }));
  const readingLog = log.child({ component: 'pipeline' });
  log.info(
    { count: config.count, rate: config.rate, sensors: config.sensors, seeded: config.seed !== undefined },
    'publisher started',
  );

  // Generation stops on the first signal; confirms of what was published are awaited, up to the
  // shutdown timeout, after which the publisher gives up and says how many were unconfirmed.
  const publishing = publishReadings({
    source: generateSensorReadings({
      count: config.count,
      rate: config.rate,
      seed: config.seed,
      sensors: config.sensors,
      signal: stopping.signal,
    }),
    sink: publisher,
    stats,
    signal: stopping.signal,
    onRejected: (err) => readingLog.error({ err: err.message, fields: err.fields }, 'reading rejected'),
    onFailed: (id, err) => readingLog.error({ id, err: err.message }, 'reading not accepted by the broker'),
  });
  const timedOut = new Promise<void>((resolve) =>
    stopping.signal.addEventListener('abort', () => setTimeout(resolve, config.shutdownTimeoutMs).unref(), {
      once: true,
    }),
  );
  await Promise.race([publishing, timedOut]);

  await createShutdown({
    timeoutMs: config.shutdownTimeoutMs,
    onStepError: (step, err) => log.error({ step, err }, 'shutdown step failed'),
    steps: [
      { name: 'stop the progress log', run: stopProgress },
      { name: 'close the broker connection', run: () => broker.close() },
    ],
  })();
  const unconfirmed = stats.published - stats.confirmed - stats.failed;
  const complete = config.count === undefined || stats.confirmed === config.count;
  if (unconfirmed > 0 || stats.failed > 0 || stats.rejected > 0 || !complete) {
    log.error(
      { ...stats, unconfirmed, requested: config.count },
      'publisher stopped before the broker confirmed every reading',
    );
    process.exitCode = 1;
  } else {
    log.info({ ...stats }, 'publisher stopped; every published reading is confirmed');
  }
}

main().catch((err: unknown) => {
  pino({ base: { app: 'publisher' }, serializers: { err: serializeError } }).fatal({ err }, 'publisher failed');
  process.exit(1);
});
