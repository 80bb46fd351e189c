import { open, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { StartupError } from '@sensors/runtime';
import { generateSensorReadingBatches } from '@sensors/sensor-generator';
import type { SourceConfig } from './config';
import { publishReadings, type MessageTarget, type PublisherStats, type ReadingSink } from './publish-readings';
import type { MqttSource } from './sources/mqtt-source';
import { publishNdjson } from './sources/publish-ndjson';
import type { RunEnd } from './summarize-run';

/** What a source needs from the app. */
export interface SourceContext {
  sink: ReadingSink;
  /** Where invalid NDJSON lines go with `--on-invalid dead-letter`. */
  deadLetters?: MessageTarget;
  brokerAvailable: () => boolean;
  stats: PublisherStats;
  /** Ends the source: generation and reading stop, the HTTP server stops taking requests. */
  signal: AbortSignal;
  /** The standard input, taken only by `--source stdin`. */
  stdin: () => Readable;
  log: Logger;
}

/** A running source. */
export interface StartedSource {
  /** Resolves once the source has ended and every publish it made is confirmed or has failed. */
  finished: Promise<RunEnd>;
  /** Stops it at once, e.g. past the shutdown timeout. Idempotent. */
  close(): Promise<void>;
  /** Fields for the start-up log line, e.g. the HTTP port. */
  details: Record<string, unknown>;
  /** The MQTT source, for its metrics and readiness (`--source mqtt`). */
  mqtt?: MqttSource;
}

function whenAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * Starts the source `config.type` names, publishing what it yields. The MQTT and HTTP sources
 * are loaded only when chosen: mqtt and fastify are most of the publisher's start-up otherwise.
 */
export async function startSource(config: SourceConfig, context: SourceContext): Promise<StartedSource> {
  const { sink, stats, signal, log } = context;
  const onFailed = (id: string, err: Error) =>
    log.error({ id, err: err.message }, 'reading not accepted by the broker');

  switch (config.type) {
    case 'generator': {
      const finished = publishReadings({
        batches: generateSensorReadingBatches({
          count: config.generator.count,
          rate: config.generator.rate,
          seed: config.generator.seed,
          sensors: config.generator.sensors,
          signal,
        }),
        sink,
        stats,
        signal,
        onRejected: (err) => log.error({ reason: err.message, fields: err.fields }, 'reading rejected'),
        onFailed,
      }).then(() => ({ source: config.type, count: config.generator.count }));
      const details = {
        count: config.generator.count,
        rate: config.generator.rate,
        sensors: config.generator.sensors,
        seeded: config.generator.seed !== undefined,
      };
      return { finished, close: () => Promise.resolve(), details };
    }
    case 'stdin':
    case 'file': {
      const label = config.type === 'stdin' ? 'stdin' : (config.file ?? '');
      // Opened before anything else happens, so that a missing file stops start-up at once.
      const input = config.type === 'stdin' ? context.stdin() : (await open(label)).createReadStream();
      const action = context.deadLetters ? 'dead-lettered' : 'skipped';
      const finished = publishNdjson({
        input,
        label,
        maxLineBytes: config.maxLineBytes,
        unknownFields: config.unknownFields,
        sink,
        deadLetters: context.deadLetters,
        stats,
        signal,
        onInvalidLine: (line, err) =>
          log.warn({ input: label, line, reason: err.message, fields: err.fields, action }, 'line rejected'),
        onFailed,
        onDeadLetterFailed: (line, err) =>
          log.error({ input: label, line, err: err.message }, 'dead letter not accepted by the broker'),
      }).then(({ endOfInput }) => ({ source: config.type, endOfInput }));
      return {
        finished,
        close: () => {
          input.destroy();
          return Promise.resolve();
        },
        details: { input: label, onInvalid: config.onInvalid },
      };
    }
    case 'mqtt': {
      const { mqtt } = config;
      const { MqttSource } = await import('./sources/mqtt-source');
      const action = context.deadLetters ? 'dead-lettered' : 'skipped';
      const source = new MqttSource({
        ...mqtt,
        sink,
        deadLetters: context.deadLetters,
        stats,
        onInvalid: (topic, err) =>
          log.warn({ topic, reason: err.message, fields: err.fields, action }, 'mqtt payload rejected'),
        onFailed: (topic, err) =>
          log.error({ topic, err: err.message }, 'reading not accepted by the broker: mqtt message left unacked'),
        onConnectionChange: (connected, err) =>
          err
            ? log.warn({ err: err.message, connected }, 'mqtt connection error')
            : log.info({ connected }, connected ? 'mqtt connected' : 'mqtt disconnected'),
        onSubscribed: (sessionPresent) => log.info({ topics: mqtt.topics, sessionPresent }, 'mqtt subscribed'),
      });
      source.start();
      const finished = whenAborted(signal)
        .then(() => source.close())
        .then(() => ({ source: config.type }));
      const details = {
        mqttUrls: mqtt.urls,
        mqttTopics: mqtt.topics,
        mqttClientId: mqtt.clientId,
        mqttProtocolVersion: mqtt.protocolVersion,
        onInvalid: config.onInvalid,
      };
      return { finished, close: () => source.destroy(), details, mqtt: source };
    }
    case 'http': {
      const { http } = config;
      const { createHttpSource } = await import('./http/create-http-source');
      const app = createHttpSource({
        sink,
        stats,
        brokerAvailable: context.brokerAvailable,
        tokens: http.tokens,
        tls: http.tls && (await readTlsFiles(http.tls)),
        bodyLimit: http.bodyLimit,
        requestTimeoutMs: http.requestTimeoutMs,
        confirmTimeoutMs: http.confirmTimeoutMs,
        unknownFields: config.unknownFields,
        onError: (err) => log.error({ err }, 'http request failed'),
      });
      await app.listen({ port: http.port, host: http.host }).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EADDRINUSE' && err.code !== 'EACCES') throw err;
        throw new StartupError(`port ${http.port} of the HTTP source is taken or needs privileges`, {
          fix: 'stop what listens there, or choose another port with --http-port (0: any free port)',
          details: { httpPort: http.port, httpHost: http.host, code: err.code },
          cause: err,
        });
      });
      // Closing stops taking connections and waits for the requests in flight, each bounded
      // by the confirm timeout.
      const finished = whenAborted(signal)
        .then(() => app.close())
        .then(() => ({ source: config.type }));
      const details = {
        httpHost: http.host,
        httpPort: (app.server.address() as AddressInfo).port,
        authentication: http.tokens.length > 0,
        tls: http.tls !== undefined,
      };
      const close = async () => {
        app.server.closeAllConnections();
        await app.close();
      };
      return { finished, close, details };
    }
  }
}

/** Reads the HTTP source's certificate and key, stopping start-up with the setting to fix. */
async function readTlsFiles(files: { certFile: string; keyFile: string }): Promise<{ cert: Buffer; key: Buffer }> {
  const read = (path: string, setting: string) =>
    readFile(path).catch((err: NodeJS.ErrnoException) => {
      throw new StartupError(`cannot read ${path}: ${err.code ?? err.message}`, {
        fix: `correct the path in ${setting}, or let this user read the file`,
        details: { setting, path },
        cause: err,
      });
    });
  return { cert: await read(files.certFile, '--http-tls-cert'), key: await read(files.keyFile, '--http-tls-key') };
}
