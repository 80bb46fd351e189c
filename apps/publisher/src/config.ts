import { Command, Option } from 'commander';
import {
  applyConfigFile,
  integerOption,
  numberOption,
  readUrlList,
  sharedOptions,
  toSharedConfig,
  type SharedConfig,
} from '@sensors/runtime';
import { DEFAULT_ENVELOPE_READINGS, MAX_ENVELOPE_READINGS } from '@sensors/sensor-model';
import { VERSION } from './version';

/** Where readings come from; see {@link loadPublisherConfig} for each. */
export type SourceName = 'generator' | 'stdin' | 'file' | 'http' | 'mqtt';

/** The MQTT source's settings. */
export interface MqttSourceConfig {
  /** Brokers, tried in turn; the credentials of the first are used. */
  urls: string[];
  /** Topic filters, `+` and `#` allowed. */
  topics: string[];
  clientId: string;
  protocolVersion: 4 | 5;
  sessionExpirySeconds: number;
  maxPayloadBytes: number;
}

/** The HTTP source's settings. */
export interface HttpSourceConfig {
  port: number;
  /** Address to listen on: loopback unless tokens are set or it is given. */
  host: string;
  /** Bearer tokens accepted; empty: no authentication. */
  tokens: string[];
  /** PEM files of the certificate (chain) and its private key: HTTPS instead of HTTP. */
  tls: { certFile: string; keyFile: string } | undefined;
  bodyLimit: number;
  requestTimeoutMs: number;
  confirmTimeoutMs: number;
}

/** The publisher's settings, validated; flags win over environment variables over defaults. */
export interface PublisherConfig extends SharedConfig {
  source: SourceName;
  /** Readings to publish before exiting; undefined: until stopped (generator). */
  count: number | undefined;
  /** Readings per second; 0: as fast as the broker confirms them (generator). */
  rate: number;
  seed: string | undefined;
  sensors: number;
  maxInFlight: number;
  /** Readings per envelope, at most; 1: one reading per message, without an envelope. */
  envelopeSize: number;
  /** Longest an open envelope waits for more readings, in milliseconds. */
  envelopeLingerMs: number;
  /** The NDJSON file of `--source file`. */
  file: string | undefined;
  /** What becomes of an invalid NDJSON line: skipped, or sent to `<queue>.dead-letter`. */
  onInvalid: 'skip' | 'dead-letter';
  maxLineBytes: number;
  /** What becomes of the fields of `content` the model does not know: kept (stored in `extra`) or refused. */
  unknownFields: 'keep' | 'reject';
  http: HttpSourceConfig;
  mqtt: MqttSourceConfig;
}

const DEFAULT_MQTT_URL = 'mqtt://127.0.0.1:1883';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((part) => part.trim())].filter(Boolean);
}

/**
 * Reads the publisher's configuration from the command line and the environment. On `--help`
 * or a bad value (the error names the flag or variable and the value) commander prints and
 * exits, or throws a CommanderError when `exitOverride` is set (for tests).
 */
export function loadPublisherConfig(argv: readonly string[], { exitOverride = false } = {}): PublisherConfig {
  const program = new Command('publisher')
    .version(VERSION, '-V, --version', 'print the version and exit')
    .description(
      'Takes sensor readings from a source (generated, NDJSON on stdin or in a file, or HTTP), validates and enriches them, and publishes them durably to RabbitMQ.',
    )
    .addOption(
      new Option('--source <name>', 'where readings come from')
        .env('SOURCE')
        .default('generator')
        .choices(['generator', 'stdin', 'file', 'http', 'mqtt']),
    )
    .addOption(
      new Option('--count <n>', 'readings to publish, then exit once all are confirmed (default: until stopped)')
        .env('COUNT')
        .argParser(integerOption(0)),
    )
    .addOption(
      new Option('--rate <perSecond>', 'readings per second; 0 publishes as fast as the broker confirms')
        .env('RATE')
        .default(100)
        .argParser(numberOption(0)),
    )
    .addOption(
      new Option('--seed <seed>', 'seed for a reproducible stream, ids included (default: random)').env('SEED'),
    )
    .addOption(
      new Option('--sensors <n>', 'simulated sensors')
        .env('SENSORS')
        .default(10)
        .argParser(integerOption(1, 1_000_000)),
    )
    .addOption(
      new Option('--max-in-flight <n>', "published readings awaiting the broker's confirm, at most")
        .env('MAX_IN_FLIGHT')
        .default(2000)
        .argParser(integerOption(1, 1_000_000)),
    )
    .addOption(
      new Option('--envelope-size <n>', 'readings per message, at most (1: one reading per message, no envelope)')
        .env('ENVELOPE_SIZE')
        .default(DEFAULT_ENVELOPE_READINGS)
        .argParser(integerOption(1, MAX_ENVELOPE_READINGS)),
    )
    .addOption(
      new Option('--envelope-linger-ms <ms>', 'longest an envelope waits for more readings before it is sent')
        .env('ENVELOPE_LINGER_MS')
        .default(10)
        .argParser(integerOption(0, 60_000)),
    )
    .addOption(new Option('--file <path>', 'NDJSON file of readings, one per line (--source file)').env('SOURCE_FILE'))
    .addOption(
      new Option('--on-invalid <action>', 'what becomes of an invalid NDJSON line: skip it, or dead-letter it')
        .env('ON_INVALID')
        .default('skip')
        .choices(['skip', 'dead-letter']),
    )
    .addOption(
      new Option('--max-line-bytes <n>', 'longest NDJSON line; a longer one is invalid')
        .env('MAX_LINE_BYTES')
        .default(1024 * 1024)
        .argParser(integerOption(1)),
    )
    .addOption(
      new Option(
        '--unknown-fields <action>',
        'what becomes of fields of content the model does not know: keep them (stored in extra) or refuse the reading',
      )
        .env('UNKNOWN_FIELDS')
        .default('keep')
        .choices(['keep', 'reject']),
    )
    .addOption(
      new Option('--http-port <port>', 'port of POST /readings (--source http; 0: any free port)')
        .env('HTTP_PORT')
        .default(8080)
        .argParser(integerOption(0, 65_535)),
    )
    .addOption(
      new Option(
        '--http-host <address>',
        'address to listen on (default: 127.0.0.1 without a token, else 0.0.0.0)',
      ).env('HTTP_HOST'),
    )
    .addOption(
      new Option(
        '--http-token <tokens>',
        'bearer tokens accepted, comma-separated (prefer the environment variable)',
      ).env('HTTP_TOKENS'),
    )
    .addOption(
      new Option('--http-tls-cert <path>', 'PEM certificate (chain) of the HTTP source: HTTPS instead of HTTP').env(
        'HTTP_TLS_CERT',
      ),
    )
    .addOption(new Option('--http-tls-key <path>', 'PEM private key of --http-tls-cert').env('HTTP_TLS_KEY'))
    .addOption(
      new Option('--http-body-limit <bytes>', 'largest request body; larger ones get 413')
        .env('HTTP_BODY_LIMIT')
        .default(1024 * 1024)
        .argParser(integerOption(1)),
    )
    .addOption(
      new Option('--http-request-timeout-ms <ms>', 'longest a client may take to send a request; then 408')
        .env('HTTP_REQUEST_TIMEOUT_MS')
        .default(30_000)
        .argParser(integerOption(1)),
    )
    .addOption(
      new Option('--http-confirm-timeout-ms <ms>', "longest a request waits for the broker's confirms; then 503")
        .env('HTTP_CONFIRM_TIMEOUT_MS')
        .default(10_000)
        .argParser(integerOption(1)),
    );
  program
    .addOption(
      new Option(
        '--mqtt-url <url>',
        'MQTT broker, mqtt:// or mqtts:// (repeat, or comma-separate, for failover; default: mqtt://127.0.0.1:1883)',
      )
        .env('MQTT_URL')
        .argParser(collect),
    )
    .addOption(
      new Option('--mqtt-topic <filter>', 'topic filter, + and # allowed (repeatable; default: sensors/#)')
        .env('MQTT_TOPICS')
        .argParser(collect),
    )
    .addOption(
      new Option('--mqtt-client-id <id>', 'stable client id: the broker keeps the session under it')
        .env('MQTT_CLIENT_ID')
        .default('sensors-publisher'),
    )
    .addOption(
      new Option('--mqtt-protocol-version <version>', 'MQTT 3.1.1 (4) or 5')
        .env('MQTT_PROTOCOL_VERSION')
        .default(5)
        .argParser(integerOption(4, 5)),
    )
    .addOption(
      new Option('--mqtt-session-expiry-seconds <s>', 'MQTT 5: how long the broker keeps the session while away')
        .env('MQTT_SESSION_EXPIRY_SECONDS')
        .default(7 * 24 * 3600)
        .argParser(integerOption(0, 4_294_967_295)),
    )
    .addOption(
      new Option('--mqtt-max-payload-bytes <n>', 'largest MQTT payload; a larger one is invalid')
        .env('MQTT_MAX_PAYLOAD_BYTES')
        .default(1024 * 1024)
        .argParser(integerOption(1, 256 * 1024 * 1024)),
    );
  for (const option of sharedOptions({ metricsPort: 9464 })) program.addOption(option);
  if (exitOverride) program.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  program.parse([...argv], { from: 'user' });
  applyConfigFile(program);
  // Repeatable options take no commander default, which the first value would be appended to.
  if (program.opts()['mqttUrl'] === undefined) program.setOptionValue('mqttUrl', [DEFAULT_MQTT_URL]);
  const options = program.opts();
  const source = options['source'] as SourceName;
  const file = options['file'] as string | undefined;
  if (source === 'file' && !file) program.error("error: --source file needs option '--file <path>' (env SOURCE_FILE)");
  if (source !== 'file' && file) program.error(`error: option '--file' is only read with --source file, not ${source}`);
  const tokens = String(options['httpToken'] ?? '')
    .split(',')
    .map((token) => token.trim())
    .filter(Boolean);
  // A header value is one token68 word, so a token with whitespace or a control character can never match.
  if (tokens.some((token) => /\s/.test(token) || [...token].some((c) => c < ' ' || c === '\u007f'))) {
    program.error(
      "error: option '--http-token' (env HTTP_TOKENS) holds a token with whitespace or a control character, which no request can send; separate tokens with commas (value hidden)",
    );
  }
  const [certFile, keyFile] = [
    options['httpTlsCert'] as string | undefined,
    options['httpTlsKey'] as string | undefined,
  ];
  if ((certFile === undefined) !== (keyFile === undefined)) {
    program.error(
      "error: options '--http-tls-cert' and '--http-tls-key' (env HTTP_TLS_CERT, HTTP_TLS_KEY) go together",
    );
  }
  return {
    ...toSharedConfig(program),
    source,
    count: options['count'],
    rate: options['rate'],
    seed: options['seed'],
    sensors: options['sensors'],
    maxInFlight: options['maxInFlight'],
    envelopeSize: options['envelopeSize'],
    envelopeLingerMs: options['envelopeLingerMs'],
    file,
    onInvalid: options['onInvalid'],
    maxLineBytes: options['maxLineBytes'],
    unknownFields: options['unknownFields'],
    http: {
      port: options['httpPort'],
      host: options['httpHost'] ?? (tokens.length > 0 ? '0.0.0.0' : '127.0.0.1'),
      tokens,
      tls: certFile && keyFile ? { certFile, keyFile } : undefined,
      bodyLimit: options['httpBodyLimit'],
      requestTimeoutMs: options['httpRequestTimeoutMs'],
      confirmTimeoutMs: options['httpConfirmTimeoutMs'],
    },
    mqtt: {
      urls: readUrlList(program, 'mqttUrl', ['mqtt', 'mqtts']),
      topics: options['mqttTopic'] ?? ['sensors/#'],
      clientId: options['mqttClientId'],
      protocolVersion: options['mqttProtocolVersion'],
      sessionExpirySeconds: options['mqttSessionExpirySeconds'],
      maxPayloadBytes: options['mqttMaxPayloadBytes'],
    },
  };
}
