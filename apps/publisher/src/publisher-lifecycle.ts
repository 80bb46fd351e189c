import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import {
  BrokerConnection,
  ConfirmPublisher,
  logBrokerEvents,
  topologyFor,
  whenBrokerRefuses,
} from '@sensors/messaging';
import {
  createMetricsRegistry,
  createShutdown,
  startOpsServer,
  startProgressLog,
  usesDefaultPassword,
  type OpsServer,
  type StartupError,
} from '@sensors/runtime';
import type { PublisherConfig } from './config';
import { EnvelopeSink } from './envelope-sink';
import { MessageSink } from './message-sink';
import { newPublisherStats, type PublisherStats } from './publish-readings';
import { registerMqttMetrics, registerPublisherMetrics } from './publisher-metrics';
import { startSource, type StartedSource } from './start-source';
import type { RunEnd } from './summarize-run';
import { VERSION } from './version';

const LOOPBACK = /^(127\.|::1$|localhost$)/;

/** What {@link startPublisher} takes from the app besides its configuration. */
export interface PublisherContext {
  log: Logger;
  /** Aborted on a signal; aborted by the publisher when the broker refuses it for good. */
  stopping: AbortController;
  /** The standard input, taken only by `--source stdin`. */
  stdin: () => Readable;
}

/** How a run ended: the source's end, or why it could not go on. */
export interface RunOutcome {
  end: RunEnd;
  /** Set when the broker refused the publisher for good (credentials, virtual host, permissions). */
  failure?: StartupError;
}

/** A publisher started by {@link startPublisher}. */
export interface RunningPublisher {
  readonly stats: PublisherStats;
  /**
   * Resolves once the run is over: the source ended by itself (count reached, input read) or
   * after `stopping` aborted, with the confirms of what it published; or the shutdown timeout
   * passed since `stopping` aborted; or the broker refused the publisher.
   */
  readonly ended: Promise<RunOutcome>;
  /** The publisher's shutdown (see {@link closePublisher}); resolves whether every step finished in time. */
  close(): Promise<boolean>;
}

/**
 * Starts the publisher in order: warnings of unsafe settings, the broker connection and its
 * publishers, the metrics, the source, the metrics and health endpoint, then the connection
 * (so that every series exists before it connects) and the progress log.
 */
export async function startPublisher(config: PublisherConfig, context: PublisherContext): Promise<RunningPublisher> {
  const { log, stopping } = context;
  const unfinished: RunEnd = { source: config.source.type, count: config.source.generator.count };
  warnOfUnsafeSettings(config, log);
  const broker = new BrokerConnection({
    urls: config.amqp.urls,
    connectionName: `sensors-publisher:${config.topology.queue}`,
  });
  logBrokerEvents(broker, log.child({ component: 'broker' }));
  // Credentials, virtual host or permissions the broker refuses: no retry will help.
  const refused = whenBrokerRefuses(broker, '--amqp-url').then((failure): RunOutcome => {
    stopping.abort();
    return { end: unfinished, failure };
  });
  const topology = topologyFor(config.topology);
  const { maxUnconfirmed, envelopeSize, envelopeLingerMs } = config.publishing;
  const publisher = new ConfirmPublisher(broker, { topology, maxUnconfirmed });
  const sink =
    envelopeSize > 1
      ? new EnvelopeSink({
          target: publisher,
          maxSize: envelopeSize,
          lingerMs: envelopeLingerMs,
          maxUnconfirmed,
        })
      : new MessageSink(publisher);
  const deadLetters =
    config.source.onInvalid === 'dead-letter' && ['stdin', 'file', 'mqtt'].includes(config.source.type)
      ? new ConfirmPublisher(broker, { topology, maxUnconfirmed, toDeadLetterExchange: true })
      : undefined;
  const stats = newPublisherStats();
  const registry = createMetricsRegistry(VERSION);
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
    stdin: context.stdin,
    log: log.child({ component: 'pipeline' }),
  });
  if (source.mqtt) registerMqttMetrics(registry, source.mqtt);
  const notReady = () => [
    broker.connected ? undefined : 'broker not connected',
    broker.blocked ? 'broker blocks publishing (memory or disk alarm)' : undefined,
    source.mqtt && !source.mqtt.connected ? 'mqtt broker not connected' : undefined,
  ];
  const ops = await startOpsServer({ ...config.ops, registry, notReady });
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
      envelopeSize,
      envelopeLingerMs,
      metricsPort: ops.port,
      metricsHost: config.ops.metricsHost,
    },
    'publisher started',
  );
  const timeoutMs = config.ops.shutdownTimeoutMs;
  // Confirms of what was published are awaited up to the shutdown timeout after a signal; then
  // the publisher gives up, and its summary says how many were unconfirmed.
  const timedOut = new Promise<RunOutcome>((resolve) => {
    const giveUp = () => setTimeout(() => resolve({ end: unfinished }), timeoutMs).unref();
    if (stopping.signal.aborted) giveUp();
    else stopping.signal.addEventListener('abort', giveUp, { once: true });
  });
  const finished = source.finished.then((end): RunOutcome => ({ end }));
  return {
    stats,
    ended: Promise.race([finished, timedOut, refused]),
    close: closePublisher({ stopProgress, source, broker, ops }, { timeoutMs, log }),
  };
}

/** What a running publisher's shutdown closes, in the order {@link closePublisher} closes it. */
export interface PublisherParts {
  stopProgress: () => void;
  source: Pick<StartedSource, 'close'>;
  broker: Pick<BrokerConnection, 'close'>;
  ops: Pick<OpsServer, 'close'>;
}

/**
 * Returns the publisher's one shutdown routine: stop the progress log, close the source (which
 * stops taking readings and ends what awaits confirms), close the broker connection, then the
 * metrics endpoint. Each step is attempted whatever the others did, all within `timeoutMs`; it
 * runs once however often it is called, and resolves whether every step finished cleanly.
 */
export function closePublisher(
  parts: PublisherParts,
  options: { timeoutMs: number; log: Logger },
): () => Promise<boolean> {
  const { log } = options;
  return createShutdown({
    timeoutMs: options.timeoutMs,
    onStepError: (step, err) => log.error({ step, err }, 'shutdown step failed'),
    steps: [
      { name: 'stop the progress log', run: parts.stopProgress },
      { name: 'close the source', run: () => parts.source.close() },
      { name: 'close the broker connection', run: () => parts.broker.close() },
      { name: 'close the metrics endpoint', run: () => parts.ops.close() },
    ],
  });
}

/** Warns of default passwords and of an HTTP source open to the network without a token or TLS. */
function warnOfUnsafeSettings(config: PublisherConfig, log: Logger): void {
  if (config.amqp.urls.some(usesDefaultPassword)) {
    log.warn({ setting: 'SENSORS_AMQP_URL' }, 'DEFAULT PASSWORD IN USE: fine on a laptop, never in production');
  }
  const { http } = config.source;
  if (config.source.type !== 'http' || LOOPBACK.test(http.host)) return;
  if (http.tokens.length === 0) {
    log.warn({ httpHost: http.host }, 'HTTP SOURCE OPEN WITHOUT A TOKEN: set SENSORS_HTTP_TOKENS');
  } else if (!http.tls) {
    log.warn(
      { httpHost: http.host },
      'HTTP TOKENS CROSS THE NETWORK IN CLEAR: set --http-tls-cert and --http-tls-key, or put a TLS proxy in front',
    );
  }
}
