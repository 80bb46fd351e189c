import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { BrokerConnection, ConfirmPublisher, logBrokerEvents, topologyFor } from '@sensors/messaging';
import {
  createMetricsRegistry,
  createShutdown,
  logBase,
  registerBuildInfo,
  serializeError,
  startOpsServer,
  startProgressLog,
  StartupError,
  startupFailureFields,
  usesDefaultPassword,
} from '@sensors/runtime';
import { loadPublisherConfig } from './config';
import { EnvelopeSink } from './envelope-sink';
import { newPublisherStats } from './publish-readings';
import { registerMqttMetrics, registerPublisherMetrics } from './publisher-metrics';
import { startSource } from './start-source';
import { summarizeRun, type RunEnd } from './summarize-run';
import { VERSION } from './version';

const LOOPBACK = /^(127\.|::1$|localhost$)/;

/** The app's logger; until the configuration is read, one without pretty printing. */
let log: Logger = pino({ base: logBase('publisher', VERSION), serializers: { err: serializeError } });

async function main(): Promise<void> {
  const config = loadPublisherConfig(process.argv.slice(2));
  log = pino(
    // Human-readable lines leave out what one person at one terminal knows: pid, host, version.
    {
      level: config.logLevel,
      base: config.logPretty ? { app: 'publisher' } : logBase('publisher', VERSION),
      serializers: { err: serializeError },
    },
    config.logPretty ? pretty() : undefined,
  );
  const stopping = new AbortController();
  process.once('SIGINT', () => stopping.abort()).once('SIGTERM', () => stopping.abort());

  if (config.amqpUrls.some(usesDefaultPassword)) {
    log.warn({ setting: 'AMQP_URL' }, 'DEFAULT PASSWORD IN USE: fine on a laptop, never in production');
  }
  if (config.source === 'http' && !LOOPBACK.test(config.http.host)) {
    if (config.http.tokens.length === 0) {
      log.warn({ httpHost: config.http.host }, 'HTTP SOURCE OPEN WITHOUT A TOKEN: set HTTP_TOKENS');
    } else if (!config.http.tls) {
      log.warn(
        { httpHost: config.http.host },
        'HTTP TOKENS CROSS THE NETWORK IN CLEAR: set --http-tls-cert and --http-tls-key, or put a TLS proxy in front',
      );
    }
  }
  const broker = new BrokerConnection({ urls: config.amqpUrls, connectionName: `sensors-publisher:${config.queue}` });
  logBrokerEvents(broker, log.child({ component: 'broker' }));
  // Credentials, virtual host or permissions the broker refuses: no retry will help.
  const refused = new Promise<StartupError>((resolve) =>
    broker.once('gave-up', ({ url, err, reason, fix }) => {
      stopping.abort();
      resolve(
        new StartupError(reason, {
          fix: fix.replaceAll('the URL', '--amqp-url'),
          details: { url, detail: err.message },
          cause: err,
        }),
      );
    }),
  );
  const topology = topologyFor(config);
  const publisher = new ConfirmPublisher(broker, { topology, maxInFlight: config.maxInFlight });
  const sink =
    config.envelopeSize > 1
      ? new EnvelopeSink({
          target: publisher,
          size: config.envelopeSize,
          lingerMs: config.envelopeLingerMs,
          maxInFlight: config.maxInFlight,
        })
      : publisher;
  const deadLetters =
    config.onInvalid === 'dead-letter' && ['stdin', 'file', 'mqtt'].includes(config.source)
      ? new ConfirmPublisher(broker, { topology, maxInFlight: config.maxInFlight, toDeadLetterExchange: true })
      : undefined;
  const stats = newPublisherStats();
  const registry = createMetricsRegistry();
  registerBuildInfo(registry, VERSION);
  registerPublisherMetrics(registry, stats, {
    source: config.source,
    inFlight: () => sink.inFlight + (deadLetters?.inFlight ?? 0),
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
    host: config.metricsHost,
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
    inFlight: sink.inFlight,
  }));
  log.info(
    {
      // NDJSON lines carry the version in every line, human-readable ones only here.
      ...(config.logPretty ? { version: VERSION } : {}),
      source: config.source,
      ...source.details,
      envelopeSize: config.envelopeSize,
      envelopeLingerMs: config.envelopeLingerMs,
      metricsPort: ops.port,
      metricsHost: config.metricsHost,
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
  const failure = await Promise.race([source.finished.then((finished) => void (end = finished)), timedOut, refused]);

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
  if (failure) throw failure;
  const summary = summarizeRun(stats, end);
  log[summary.level](summary.fields, summary.message);
  process.exitCode = summary.exitCode;
}

main().catch((err: unknown) => {
  log.fatal(startupFailureFields(err), 'publisher failed');
  // pino-pretty writes through a stream: let it flush before exiting.
  log.flush(() => process.exit(1));
});
