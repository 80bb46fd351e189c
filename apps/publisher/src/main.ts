import pino from 'pino';
import pretty from 'pino-pretty';
import { BrokerConnection, ConfirmPublisher, logBrokerEvents, topologyFor } from '@sensors/messaging';
import {
  createMetricsRegistry,
  createShutdown,
  serializeError,
  startOpsServer,
  startProgressLog,
  usesDefaultPassword,
} from '@sensors/runtime';
import { generateSensorReadings } from '@sensors/sensor-generator';
import { loadPublisherConfig } from './config';
import { newPublisherStats, publishReadings } from './publish-readings';
import { registerPublisherMetrics } from './publisher-metrics';

async function main(): Promise<void> {
  const config = loadPublisherConfig(process.argv.slice(2));
  const log = pino(
    { level: config.logLevel, base: { app: 'publisher' }, serializers: { err: serializeError } },
    config.logPretty ? pretty() : undefined,
  );
  const stopping = new AbortController();
  process.once('SIGINT', () => stopping.abort()).once('SIGTERM', () => stopping.abort());

  if (config.amqpUrls.some(usesDefaultPassword)) {
    log.warn({ setting: 'AMQP_URL' }, 'DEFAULT PASSWORD IN USE: fine on a laptop, never in production');
  }
  const broker = new BrokerConnection({ urls: config.amqpUrls, connectionName: `sensors-publisher:${config.queue}` });
  logBrokerEvents(broker, log.child({ component: 'broker' }));
  const publisher = new ConfirmPublisher(broker, { topology: topologyFor(config), maxInFlight: config.maxInFlight });
  const stats = newPublisherStats();
  const registry = createMetricsRegistry();
  registerPublisherMetrics(registry, stats, {
    inFlight: () => publisher.inFlight,
    brokerConnected: () => broker.connected,
    brokerBlocked: () => broker.blocked,
    reconnects: () => ({ broker: broker.reconnects }),
  });
  const ops = await startOpsServer({
    port: config.metricsPort,
    registry,
    readiness: () => {
      const reasons = [
        broker.connected ? undefined : 'broker not connected',
        broker.blocked ? 'broker blocks publishing (memory or disk alarm)' : undefined,
      ].filter((reason): reason is string => reason !== undefined);
      return { ready: reasons.length === 0, reasons };
    },
  });
  broker.start();

  const stopProgress = startProgressLog(log.child({ component: 'progress' }), config.progressIntervalMs, () => ({
    generated: stats.generated,
    published: stats.published,
    confirmed: stats.confirmed,
    failed: stats.failed,
    rejected: stats.rejected,
    inFlight: publisher.inFlight,
  }));
  const readingLog = log.child({ component: 'pipeline' });
  log.info(
    {
      count: config.count,
      rate: config.rate,
      sensors: config.sensors,
      seeded: config.seed !== undefined,
      metricsPort: ops.port,
    },
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
      { name: 'close the metrics endpoint', run: () => ops.close() },
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
