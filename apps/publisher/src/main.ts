import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { BrokerConnection, ConfirmPublisher, logBrokerEvents, topologyFor } from '@sensors/messaging';
import {
  createMetricsRegistry,
  createShutdown,
  loggerOptions,
  registerBuildInfo,
  startOpsServer,
  startProgressLog,
  StartupError,
  startupFailureFields,
  usesDefaultPassword,
} from '@sensors/runtime';
import { checkPublisherConfig } from './check-publisher-config';
import { loadPublisherConfig } from './config';
import { EnvelopeSink } from './envelope-sink';
import { MessageSink } from './message-sink';
import { newPublisherStats } from './publish-readings';
import { registerMqttMetrics, registerPublisherMetrics } from './publisher-metrics';
import { startSource } from './start-source';
import { summarizeRun, type RunEnd } from './summarize-run';
import { VERSION } from './version';

const LOOPBACK = /^(127\.|::1$|localhost$)/;

/** The app's logger; until the configuration is read, one without pretty printing. */
let log: Logger = pino(loggerOptions('publisher', VERSION));

async function main(): Promise<void> {
  const config = loadPublisherConfig(process.argv.slice(2));
  if (config.command === 'check-config') {
    const output = { out: (t: string) => process.stdout.write(t), err: (t: string) => process.stderr.write(t) };
    process.exitCode = await checkPublisherConfig(config, output);
    return;
  }
  log = pino(loggerOptions('publisher', VERSION, config.logging), config.logging.pretty ? pretty() : undefined);
  for (const renamed of config.renamedVariables) {
    log.warn(renamed, 'deprecated environment variable: read for this release only, rename it');
  }
  const stopping = new AbortController();
  process.once('SIGINT', () => stopping.abort()).once('SIGTERM', () => stopping.abort());

  if (config.amqp.urls.some(usesDefaultPassword)) {
    log.warn({ setting: 'SENSORS_AMQP_URL' }, 'DEFAULT PASSWORD IN USE: fine on a laptop, never in production');
  }
  const { http } = config.source;
  if (config.source.type === 'http' && !LOOPBACK.test(http.host)) {
    if (http.tokens.length === 0) {
      log.warn({ httpHost: http.host }, 'HTTP SOURCE OPEN WITHOUT A TOKEN: set SENSORS_HTTP_TOKENS');
    } else if (!http.tls) {
      log.warn(
        { httpHost: http.host },
        'HTTP TOKENS CROSS THE NETWORK IN CLEAR: set --http-tls-cert and --http-tls-key, or put a TLS proxy in front',
      );
    }
  }
  const broker = new BrokerConnection({
    urls: config.amqp.urls,
    connectionName: `sensors-publisher:${config.topology.queue}`,
  });
  logBrokerEvents(broker, log.child({ component: 'broker' }));
  // Credentials, virtual host or permissions the broker refuses: no retry will help.
  const refused = new Promise<StartupError>((resolve) =>
    broker.once('gave-up', ({ url, err, reason, fix }) => {
      stopping.abort();
      const details = { url, detail: err.message };
      resolve(new StartupError(reason, { fix: fix.replaceAll('the URL', '--amqp-url'), details, cause: err }));
    }),
  );
  const topology = topologyFor(config.topology);
  const publisher = new ConfirmPublisher(broker, { topology, maxUnconfirmed: config.publishing.maxInFlight });
  const sink =
    config.publishing.envelopeSize > 1
      ? new EnvelopeSink({
          target: publisher,
          size: config.publishing.envelopeSize,
          lingerMs: config.publishing.envelopeLingerMs,
          maxUnconfirmed: config.publishing.maxInFlight,
        })
      : new MessageSink(publisher);
  const deadLetters =
    config.source.onInvalid === 'dead-letter' && ['stdin', 'file', 'mqtt'].includes(config.source.type)
      ? new ConfirmPublisher(broker, {
          topology,
          maxUnconfirmed: config.publishing.maxInFlight,
          toDeadLetterExchange: true,
        })
      : undefined;
  const stats = newPublisherStats();
  const registry = createMetricsRegistry();
  registerBuildInfo(registry, VERSION);
  registerPublisherMetrics(registry, stats, {
    source: config.source.type,
    unconfirmed: () => sink.unconfirmed + (deadLetters?.unconfirmed ?? 0),
    brokerConnected: () => broker.connected,
    brokerBlocked: () => broker.blocked,
    reconnects: () => ({ broker: broker.reconnects }),
  });
  const source = await startSource(config.source, {
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
    port: config.ops.metricsPort,
    host: config.ops.metricsHost,
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
  const stopProgress = startProgressLog(log.child({ component: 'progress' }), config.ops.progressIntervalMs, () => ({
    received: stats.received,
    published: stats.published,
    confirmed: stats.confirmed,
    failed: stats.failed,
    rejected: stats.rejected,
    unconfirmed: sink.unconfirmed,
  }));
  log.info(
    {
      // NDJSON lines carry the version in every line, human-readable ones only here.
      ...(config.logging.pretty ? { version: VERSION } : {}),
      source: config.source.type,
      ...source.details,
      envelopeSize: config.publishing.envelopeSize,
      envelopeLingerMs: config.publishing.envelopeLingerMs,
      metricsPort: ops.port,
      metricsHost: config.ops.metricsHost,
    },
    'publisher started',
  );

  // The source ends by itself (count reached, input read) or on the first signal; confirms of
  // what was published are awaited up to the shutdown timeout, after which the publisher gives
  // up and says how many were unconfirmed.
  let end: RunEnd = { source: config.source.type, count: config.source.generator.count };
  const timedOut = new Promise<void>((resolve) =>
    stopping.signal.addEventListener('abort', () => setTimeout(resolve, config.ops.shutdownTimeoutMs).unref(), {
      once: true,
    }),
  );
  const failure = await Promise.race([source.finished.then((finished) => void (end = finished)), timedOut, refused]);

  await createShutdown({
    timeoutMs: config.ops.shutdownTimeoutMs,
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
