import { Command, Option } from 'commander';
import {
  integerOption,
  numberOption,
  parseOptions,
  readServiceOptions,
  readUrlList,
  serviceOptions,
} from '@sensors/config';
import type { RenamedOption, RenamedVariable, ServiceConfig } from '@sensors/config';
import { DEFAULT_ENVELOPE_READINGS, MAX_ENVELOPE_READINGS } from '@sensors/sensor-model';
import { VERSION } from './version';

/** Where readings come from; see {@link loadPublisherConfig} for each. */
export type SourceName = 'generator' | 'stdin' | 'file' | 'http' | 'mqtt';

/** The generator's settings (`--source generator`). */
export interface GeneratorConfig {
  /** Readings to publish before exiting; undefined: until stopped. */
  readonly count: number | undefined;
  /** Readings per second; 0: as fast as the broker confirms them. */
  readonly rate: number;
  readonly seed: string | undefined;
  readonly sensors: number;
}

/** The MQTT source's settings. */
export interface MqttSourceConfig {
  /** Brokers, tried in turn; the credentials of the first are used. */
  readonly urls: readonly string[];
  /** Topic filters, `+` and `#` allowed. */
  readonly topics: readonly string[];
  readonly clientId: string;
  readonly protocolVersion: 4 | 5;
  readonly sessionExpirySeconds: number;
  readonly maxPayloadBytes: number;
  /** MQTT messages unacked, their PUBACK held until RabbitMQ confirms their readings, at most (`--max-unconfirmed`). */
  readonly maxUnacked: number;
}

/** The HTTP source's settings. */
export interface HttpSourceConfig {
  readonly port: number;
  /** Address to listen on: loopback unless tokens are set or it is given. */
  readonly host: string;
  /** Bearer tokens accepted; empty: no authentication. */
  readonly tokens: readonly string[];
  /** PEM files of the certificate (chain) and its private key: HTTPS instead of HTTP. */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
  readonly bodyLimit: number;
  readonly requestTimeoutMs: number;
  readonly confirmTimeoutMs: number;
}

/** Where readings come from and what becomes of invalid ones. */
export interface SourceConfig {
  readonly type: SourceName;
  readonly generator: GeneratorConfig;
  /** The NDJSON file of `--source file`. */
  readonly file: string | undefined;
  /** What becomes of an invalid NDJSON line or MQTT payload: skipped, or sent to `<queue>.dead-letter`. */
  readonly onInvalid: 'skip' | 'dead-letter';
  readonly maxLineBytes: number;
  /** What becomes of the fields of `content` the model does not know: kept (stored in `extra`) or refused. */
  readonly unknownFields: 'keep' | 'reject';
  readonly http: HttpSourceConfig;
  readonly mqtt: MqttSourceConfig;
}

/** How readings are packed and how many may await the broker's confirm. */
export interface PublishingConfig {
  /** Published readings the broker has not yet confirmed, at most, open envelopes included. */
  readonly maxUnconfirmed: number;
  /** Readings per envelope, at most; 1: one reading per message, without an envelope. */
  readonly envelopeSize: number;
  /** Longest an open envelope waits for more readings, in milliseconds. */
  readonly envelopeLingerMs: number;
}

/** What the parsers of the options make of each (commander types them all `any`). */
type PublisherOptionValues = PublishingConfig &
  GeneratorConfig &
  Pick<SourceConfig, 'onInvalid' | 'maxLineBytes' | 'unknownFields'> & {
    source: SourceName;
    file: string | undefined;
    httpPort: number;
    httpHost: string | undefined;
    httpToken: string | undefined;
    httpTlsCert: string | undefined;
    httpTlsKey: string | undefined;
    httpBodyLimit: number;
    httpRequestTimeoutMs: number;
    httpConfirmTimeoutMs: number;
    mqttTopic: string[] | undefined;
    mqttClientId: string;
    mqttProtocolVersion: MqttSourceConfig['protocolVersion'];
    mqttSessionExpirySeconds: number;
    mqttMaxPayloadBytes: number;
  };

/** The publisher's settings, validated and grouped by concern; each part of the app takes its group. */
export interface PublisherConfig extends ServiceConfig {
  /** `run`, or `check-config`: validate the settings, print them and exit. */
  readonly command: 'run' | 'check-config';
  readonly publishing: PublishingConfig;
  readonly source: SourceConfig;
  /** Variables of earlier releases that were read, to be warned of once the logger exists. */
  readonly renamedVariables: readonly RenamedVariable[];
  /** Flags and config file keys of earlier releases that were read, likewise. */
  readonly renamedOptions: readonly RenamedOption[];
}

const DEFAULT_MQTT_URL = 'mqtt://127.0.0.1:1883';

/** Variables of earlier releases still read, with a warning, for this release: new name → old name. */
export const RENAMED_VARIABLES: Readonly<Record<string, string>> = {
  SENSORS_AMQP_URL: 'AMQP_URL',
  SENSORS_HTTP_TOKENS: 'HTTP_TOKENS',
  SENSORS_MQTT_URL: 'MQTT_URL',
  SENSORS_MAX_UNCONFIRMED: 'SENSORS_MAX_IN_FLIGHT',
};

/** Options of earlier releases still read, as flags and config file keys, with a warning: new → old. */
export const RENAMED_OPTIONS: Readonly<Record<string, string>> = {
  '--max-unconfirmed': '--max-in-flight',
};

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((part) => part.trim())].filter(Boolean);
}

function sourceOptions(): Option[] {
  return [
    new Option('--source <name>', 'where readings come from')
      .env('SENSORS_SOURCE')
      .default('generator')
      .choices(['generator', 'stdin', 'file', 'http', 'mqtt']),
    new Option('--count <n>', 'readings to publish, then exit once all are confirmed (default: until stopped)')
      .env('SENSORS_COUNT')
      .argParser(integerOption(0)),
    new Option('--rate <perSecond>', 'readings per second; 0 publishes as fast as the broker confirms')
      .env('SENSORS_RATE')
      .default(100)
      .argParser(numberOption(0)),
    new Option(
      '--seed <seed>',
      'seed for reproducible ids and temperatures; times come from the clock (default: random)',
    ).env('SENSORS_SEED'),
    new Option('--sensors <n>', 'simulated sensors')
      .env('SENSORS_SIMULATED_SENSORS')
      .default(10)
      .argParser(integerOption(1, 1_000_000)),
    new Option('--file <path>', 'NDJSON file of readings, one per line (--source file)').env('SENSORS_SOURCE_FILE'),
    new Option('--on-invalid <action>', 'what becomes of an invalid NDJSON line: skip it, or dead-letter it')
      .env('SENSORS_ON_INVALID')
      .default('skip')
      .choices(['skip', 'dead-letter']),
    new Option('--max-line-bytes <n>', 'longest NDJSON line; a longer one is invalid')
      .env('SENSORS_MAX_LINE_BYTES')
      .default(1024 * 1024)
      .argParser(integerOption(1)),
    new Option(
      '--unknown-fields <action>',
      'what becomes of fields of content the model does not know: keep them (stored in extra) or refuse the reading',
    )
      .env('SENSORS_UNKNOWN_FIELDS')
      .default('keep')
      .choices(['keep', 'reject']),
  ];
}

function publishingOptions(): Option[] {
  return [
    new Option('--max-unconfirmed <n>', "published readings awaiting the broker's confirm, at most")
      .env('SENSORS_MAX_UNCONFIRMED')
      .default(2000)
      .argParser(integerOption(1, 1_000_000)),
    new Option('--envelope-size <n>', 'readings per message, at most (1: one reading per message, no envelope)')
      .env('SENSORS_ENVELOPE_SIZE')
      .default(DEFAULT_ENVELOPE_READINGS)
      .argParser(integerOption(1, MAX_ENVELOPE_READINGS)),
    new Option('--envelope-linger-ms <ms>', 'longest an envelope waits for more readings before it is sent')
      .env('SENSORS_ENVELOPE_LINGER_MS')
      .default(5)
      .argParser(integerOption(0, 60_000)),
  ];
}

function httpOptions(): Option[] {
  return [
    new Option('--http-port <port>', 'port of POST /readings (--source http; 0: any free port)')
      .env('SENSORS_HTTP_PORT')
      .default(8080)
      .argParser(integerOption(0, 65_535)),
    new Option('--http-host <address>', 'address to listen on (default: 127.0.0.1 without a token, else 0.0.0.0)').env(
      'SENSORS_HTTP_HOST',
    ),
    new Option(
      '--http-token <tokens>',
      'bearer tokens accepted, comma-separated (prefer SENSORS_HTTP_TOKENS_FILE)',
    ).env('SENSORS_HTTP_TOKENS'),
    new Option('--http-tls-cert <path>', 'PEM certificate (chain) of the HTTP source: HTTPS instead of HTTP').env(
      'SENSORS_HTTP_TLS_CERT',
    ),
    new Option('--http-tls-key <path>', 'PEM private key of --http-tls-cert').env('SENSORS_HTTP_TLS_KEY'),
    new Option('--http-body-limit <bytes>', 'largest request body; larger ones get 413')
      .env('SENSORS_HTTP_BODY_LIMIT')
      .default(1024 * 1024)
      .argParser(integerOption(1)),
    new Option('--http-request-timeout-ms <ms>', 'longest a client may take to send a request; then 408')
      .env('SENSORS_HTTP_REQUEST_TIMEOUT_MS')
      .default(30_000)
      .argParser(integerOption(1)),
    new Option('--http-confirm-timeout-ms <ms>', "longest a request waits for the broker's confirms; then 503")
      .env('SENSORS_HTTP_CONFIRM_TIMEOUT_MS')
      .default(10_000)
      .argParser(integerOption(1)),
  ];
}

function mqttOptions(): Option[] {
  return [
    new Option(
      '--mqtt-url <url>',
      'MQTT broker, mqtt:// or mqtts:// (repeat, or comma-separate, for failover; default: mqtt://127.0.0.1:1883)',
    )
      .env('SENSORS_MQTT_URL')
      .argParser(collect),
    new Option('--mqtt-topic <filter>', 'topic filter, + and # allowed (repeatable; default: sensors/#)')
      .env('SENSORS_MQTT_TOPICS')
      .argParser(collect),
    new Option('--mqtt-client-id <id>', 'stable client id: the broker keeps the session under it')
      .env('SENSORS_MQTT_CLIENT_ID')
      .default('sensors-publisher'),
    new Option('--mqtt-protocol-version <version>', 'MQTT 3.1.1 (4) or 5')
      .env('SENSORS_MQTT_PROTOCOL_VERSION')
      .default(5)
      .argParser(integerOption(4, 5)),
    new Option('--mqtt-session-expiry-seconds <s>', 'MQTT 5: how long the broker keeps the session while away')
      .env('SENSORS_MQTT_SESSION_EXPIRY_SECONDS')
      .default(7 * 24 * 3600)
      .argParser(integerOption(0, 4_294_967_295)),
    new Option('--mqtt-max-payload-bytes <n>', 'largest MQTT payload; a larger one is invalid')
      .env('SENSORS_MQTT_MAX_PAYLOAD_BYTES')
      .default(1024 * 1024)
      .argParser(integerOption(1, 256 * 1024 * 1024)),
  ];
}

/**
 * Reads the publisher's configuration from the command line, the environment (`SENSORS_*`,
 * `SENSORS_*_FILE`) and the `--config` file (its top level and its `publisher:` section). On
 * `--help` or a bad value (the error names the flag or variable, and the value unless it may be
 * a secret) commander prints and exits, or throws a CommanderError when `exitOverride` is set.
 */
export function loadPublisherConfig(argv: readonly string[], { exitOverride = false } = {}): PublisherConfig {
  const program = new Command('publisher')
    .version(VERSION, '-V, --version', 'print the version and exit')
    .description(
      'Takes sensor readings from a source (generated, NDJSON on stdin or in a file, HTTP or MQTT), validates and enriches them, and publishes them durably to RabbitMQ.',
    )
    .argument('[command]', '"run", or "check-config" to validate the settings, print them and exit', 'run');
  const options = [
    ...sourceOptions(),
    ...publishingOptions(),
    ...httpOptions(),
    ...mqttOptions(),
    // The same flags as the consumer's, so that one config file serves both.
    ...serviceOptions({
      envPrefix: 'SENSORS_',
      configExample: 'rate: 500',
      exchange: 'sensors',
      routingKey: 'sensor.reading',
      queue: 'sensor-readings',
      metricsPort: 9464,
    }),
  ];
  const { renamedVariables, renamedOptions } = parseOptions(program, options, argv, {
    env: process.env,
    renamed: RENAMED_VARIABLES,
    renamedOptions: RENAMED_OPTIONS,
    section: 'publisher',
    otherSections: ['consumer'],
    exitOverride,
  });
  const [command] = program.processedArgs as [string];
  if (command !== 'run' && command !== 'check-config') {
    program.error(`error: unknown command "${command}": expected "run" or "check-config"`);
  }
  // Repeatable options take no commander default, which the first value would be appended to.
  if (program.opts()['mqttUrl'] === undefined) program.setOptionValue('mqttUrl', [DEFAULT_MQTT_URL]);
  const values = program.opts<PublisherOptionValues>();
  const type = values['source'];
  const file = values['file'];
  if (type === 'file' && !file) {
    program.error("error: --source file needs option '--file <path>' (env SENSORS_SOURCE_FILE)");
  }
  if (type !== 'file' && file) program.error(`error: option '--file' is only read with --source file, not ${type}`);
  const tokens = String(values['httpToken'] ?? '')
    .split(',')
    .map((token) => token.trim())
    .filter(Boolean);
  // A header value is one token68 word, so a token with whitespace or a control character can never match.
  if (tokens.some((token) => /\s/.test(token) || [...token].some((c) => c < ' ' || c === '\u007f'))) {
    program.error(
      "error: option '--http-token' (env SENSORS_HTTP_TOKENS) holds a token with whitespace or a control character, which no request can send; separate tokens with commas (value hidden)",
    );
  }
  const [certFile, keyFile] = [values['httpTlsCert'], values['httpTlsKey']];
  if ((certFile === undefined) !== (keyFile === undefined)) {
    program.error(
      "error: options '--http-tls-cert' and '--http-tls-key' (env SENSORS_HTTP_TLS_CERT, SENSORS_HTTP_TLS_KEY) go together",
    );
  }
  return {
    command: command as PublisherConfig['command'],
    ...readServiceOptions(program),
    publishing: {
      maxUnconfirmed: values['maxUnconfirmed'],
      envelopeSize: values['envelopeSize'],
      envelopeLingerMs: values['envelopeLingerMs'],
    },
    source: {
      type,
      generator: { count: values['count'], rate: values['rate'], seed: values['seed'], sensors: values['sensors'] },
      file,
      onInvalid: values['onInvalid'],
      maxLineBytes: values['maxLineBytes'],
      unknownFields: values['unknownFields'],
      http: {
        port: values['httpPort'],
        host: values['httpHost'] ?? (tokens.length > 0 ? '0.0.0.0' : '127.0.0.1'),
        tokens,
        tls: certFile && keyFile ? { certFile, keyFile } : undefined,
        bodyLimit: values['httpBodyLimit'],
        requestTimeoutMs: values['httpRequestTimeoutMs'],
        confirmTimeoutMs: values['httpConfirmTimeoutMs'],
      },
      mqtt: {
        urls: readUrlList(program, 'mqttUrl', ['mqtt', 'mqtts']),
        topics: values['mqttTopic'] ?? ['sensors/#'],
        clientId: values['mqttClientId'],
        protocolVersion: values['mqttProtocolVersion'],
        sessionExpirySeconds: values['mqttSessionExpirySeconds'],
        maxPayloadBytes: values['mqttMaxPayloadBytes'],
        maxUnacked: values['maxUnconfirmed'],
      },
    },
    renamedVariables,
    renamedOptions,
  };
}
