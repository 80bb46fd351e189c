import pino from 'pino';
import pretty from 'pino-pretty';
import { BrokerConnection, ConfirmPublisher, logBrokerEvents, topologyFor } from '@sensors/messaging';
import {
  createMetricsRegistry,
  createShutdown,
  logRedaction,
  serializeError,
  startOpsServer,
  startProgressLog,
  usesDefaultPassword,
} from '@sensors/runtime';
import { loadPublisherConfig } from './config';
import { EnvelopeSink } from './envelope-sink';
import { newPublisherStats } from './publish-readings';
import { registerMqttMetrics, registerPublisherMetrics } from './publisher-metrics';
import { startSource } from './start-source';
import { summarizeRun, type RunEnd } from './summarize-run';

async function main(): Promise<void> {
  const config = loadPublisherConfig(process.argv.slice(2));
  const log = pino(
    { level: config.logLevel, base: { app: 'publisher' }, redact: logRedaction, serializers: { err: serializeError } },
    config.logPretty ? pretty() : undefined,
  );
  const stopping = new AbortController();
  process.once('SIGINT', () => stopping.abort()).once('SIGTERM', () => stopping.abort());

  if (config.amqpUrls.some(usesDefaultPassword)) {
    log.warn({ setting: 'AMQP_URL' }, 'DEFAULT PASSWORD IN USE: fine on a laptop, never in production');
  }
  if (
    config.source === 'http' &&
    config.http.tokens.length === 0 &&
    !/^(127\.|::1$|localhost$)/.test(config.http.host)
  ) {
    log.warn({ httpHost: config.http.host }, 'HTTP SOURCE OPEN WITHOUT A TOKEN: set HTTP_TOKENS');
  }
  const broker = new BrokerConnection({ urls: config.amqpUrls, connectionName: `sensors-publisher:${config.queue}` });
  logBrokerEvents(broker, log.child({ component: 'broker' }));
  const topology = topologyFor(config);
  const publisher = new ConfirmPublisher(broker, { topology, maxUnconfirmed: config.maxInFlight });
  const sink =
    config.envelopeSize > 1
      ? new EnvelopeSink({
          target: publisher,
          size: config.envelopeSize,
          lingerMs: config.envelopeLingerMs,
          maxUnconfirmed: config.maxInFlight,
        })
      : publisher;
  const deadLetters =
    config.onInvalid === 'dead-letter' && ['stdin', 'file', 'mqtt'].includes(config.source)
      ? new ConfirmPublisher(broker, { topology, maxUnconfirmed: config.maxInFlight, toDeadLetterExchange: true })
      : undefined;
  const stats = newPublisherStats();
  const registry = createMetricsRegistry();
  registerPublisherMetrics(registry, stats, {
    source: config.source,
    unconfirmed: () => sink.unconfirmed + (deadLetters?.unconfirmed ?? 0),
    brokerConnected: () => broker.connected,
    brokerBlocked: () => broker.blocked,
    reconnects: () => ({ broker: broker.reconnects }),
  });
  const source = await startSource(config, {
    sink,
    deadLetters,
    brokerAvailable: () => broker.connected && !broker.blocked,
    stats,
    signal: stopping.signal,
    stdin: () => process.stdin,
    log: log.child({ component: 'pipeline' }),
  });
  if (source.mqtt) registerMqttMetrics(registry, source.mqtt);
  const ops = await startOpsServer({
    port: config.metricsPort,
    registry,
    readiness: () => {
      const reasons = [
        broker.connected ? undefined : 'broker not connected',
        broker.blocked ? 'broker blocks publishing (memory or disk alarm)' : undefined,
        source.mqtt && !source.mqtt.connected ? 'mqtt broker not connected' : undefined,
      ].filter((reason): reason is string => reason !== undefined);
      return { ready: reasons.length === 0, reasons };
    },
  });
  broker.start();
  const stopProgress = startProgressLog(log.child({ component: 'progress' }), config.progressIntervalMs, () => ({
    received: stats.received,
    published: stats.published,
    confirmed: stats.confirmed,
    failed: stats.failed,
    rejected: stats.rejected,
    unconfirmed: sink.unconfirmed,
  }));
  log.info(
    {
      source: config.source,
      ...source.details,
      envelopeSize: config.envelopeSize,
      envelopeLingerMs: config.envelopeLingerMs,
      metricsPort: ops.port,
    },
    'publisher started',
  );

  // The source ends by itself (count reached, input read) or on the first signal; confirms of
  // what was published are awaited up to the shutdown timeout, after which the publisher gives
  // up and says how many were unconfirmed.
  let end: RunEnd = { source: config.source, count: config.count };
  const timedOut = new Promise<void>((resolve) =>
    stopping.signal.addEventListener('abort', () => setTimeout(resolve, config.shutdownTimeoutMs).unref(), {
      once: true,
    }),
  );
  await Promise.race([source.finished.then((finished) => void (end = finished)), timedOut]);

  await createShutdown({
    timeoutMs: config.shutdownTimeoutMs,
    onStepError: (step, err) => log.error({ step, err }, 'shutdown step failed'),
    steps: [
      { name: 'stop the progress log', run: stopProgress },
      { name: 'close the source', run: () => source.close() },
      { name: 'close the broker connection', run: () => broker.close() },
      { name: 'close the metrics endpoint', run: () => ops.close() },
    ],
  })();
  const summary = summarizeRun(stats, end);
  log[summary.level](summary.fields, summary.message);
  process.exitCode = summary.exitCode;
}

main().catch((err: unknown) => {
  pino({ base: { app: 'publisher' }, redact: logRedaction, serializers: { err: serializeError } }).fatal({ err }, 'publisher failed');
  process.exit(1);
});
