import { Option, type Command } from 'commander';
import { booleanOption, integerOption, readUrlList } from './option-parsers';

/** The local RabbitMQ with its stock account. */
const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

/** What the app names and chooses for the options of {@link serviceOptions}. */
export interface ServiceOptionsSettings {
  /** Prefix of every variable: `--log-level` is read from `<envPrefix>LOG_LEVEL`. */
  envPrefix: string;
  /** A line of the config file that `--help` shows as an example, e.g. `batch-size: 500`. */
  configExample: string;
  /** The exchange, routing key and queue when none are given. */
  exchange: string;
  routingKey: string;
  queue: string;
  metricsPort: number;
}

/** Where the app logs, and how much. */
export interface LoggingConfig {
  readonly level: string;
  readonly pretty: boolean;
}

/** The endpoint operators poll, the progress log and how long a shutdown may take. */
export interface OpsConfig {
  readonly metricsPort: number;
  /** Address of the metrics endpoint; undefined: every interface. */
  readonly metricsHost: string | undefined;
  readonly progressIntervalMs: number;
  readonly shutdownTimeoutMs: number;
}

/** The values of {@link serviceOptions}, grouped by concern as {@link readServiceOptions} returns them. */
export interface ServiceConfig {
  readonly amqp: { readonly urls: readonly string[] };
  readonly topology: {
    readonly exchange: string;
    readonly routingKey: string;
    readonly queue: string;
    readonly queueType: 'quorum' | 'classic';
    readonly deliveryLimit: number;
    readonly queueReplicas: number;
  };
  readonly logging: LoggingConfig;
  readonly ops: OpsConfig;
}

/**
 * The options every service of the pipeline takes, with the same flags in each app so that one
 * config file serves them all: `--config`, the broker and its topology, logging, the metrics
 * endpoint, the progress log and the shutdown timeout. Each reads the variable named by the
 * app's prefix and the flag in capitals (`--metrics-port`: `<envPrefix>METRICS_PORT`).
 *
 * @example
 * for (const option of serviceOptions({ envPrefix: 'APP_', configExample: 'rate: 5', ...defaults })) {
 *   program.addOption(option);
 * }
 */
export function serviceOptions(settings: ServiceOptionsSettings): Option[] {
  const option = (flags: string, help: string) =>
    new Option(flags, help).env(settings.envPrefix + flags.split(' ')[0].slice(2).replaceAll('-', '_').toUpperCase());
  return [
    option(
      '--config <path>',
      `JSON or YAML file of option values, e.g. "${settings.configExample}" (flags and env win)`,
    ),
    option('--amqp-url <urls>', 'RabbitMQ URL, or a comma-separated list of cluster nodes').default(
      DEFAULT_AMQP_URL,
      DEFAULT_AMQP_URL.replace(':guest@', ':***@'),
    ),
    option('--exchange <name>', 'exchange messages are published to').default(settings.exchange),
    option('--routing-key <key>', 'routing key messages are published and bound with').default(settings.routingKey),
    option('--queue <name>', 'queue messages are consumed from; dead letters go to <name>.dead-letter').default(
      settings.queue,
    ),
    option('--queue-type <type>', 'type of the queue (quorum: replicated, with a delivery limit)')
      .default('quorum')
      .choices(['quorum', 'classic']),
    option('--delivery-limit <n>', 'deliveries after which the broker dead-letters a message (quorum)')
      .default(20)
      .argParser(integerOption(1)),
    option('--queue-replicas <n>', 'nodes a new quorum queue is replicated on (0: every node of the cluster)')
      .default(0)
      .argParser(integerOption(0, 99)),
    option('--log-level <level>', 'log level')
      .default('info')
      .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    option('--log-pretty [bool]', 'human-readable logs instead of NDJSON')
      .default(false)
      .preset(true)
      .argParser(booleanOption),
    option('--progress-interval-ms <ms>', 'how often to log a progress line (0: never)')
      .default(5000)
      .argParser(integerOption(0)),
    option('--metrics-port <port>', 'port of /metrics, /healthz and /readyz (0: any free port)')
      .default(settings.metricsPort)
      .argParser(integerOption(0, 65_535)),
    option(
      '--metrics-host <address>',
      'address of /metrics, /healthz and /readyz, e.g. 127.0.0.1 (default: every interface, so Prometheus can scrape)',
    ),
    option('--shutdown-timeout-ms <ms>', 'longest a graceful shutdown may take')
      .default(15_000)
      .argParser(integerOption(0)),
  ];
}

/**
 * Reads the values of {@link serviceOptions} from a parsed program, grouped by concern; stops
 * the program with an error naming the option when a broker URL is malformed.
 */
export function readServiceOptions(program: Command): ServiceConfig {
  // What the parsers of serviceOptions make of each option (commander types them all `any`).
  const values = program.opts<
    ServiceConfig['topology'] & OpsConfig & { logLevel: LoggingConfig['level']; logPretty: LoggingConfig['pretty'] }
  >();
  return {
    amqp: { urls: readUrlList(program, 'amqpUrl', ['amqp', 'amqps']) },
    topology: {
      exchange: values['exchange'],
      routingKey: values['routingKey'],
      queue: values['queue'],
      queueType: values['queueType'],
      deliveryLimit: values['deliveryLimit'],
      queueReplicas: values['queueReplicas'],
    },
    logging: { level: values['logLevel'], pretty: values['logPretty'] },
    ops: {
      metricsPort: values['metricsPort'],
      metricsHost: values['metricsHost'],
      progressIntervalMs: values['progressIntervalMs'],
      shutdownTimeoutMs: values['shutdownTimeoutMs'],
    },
  };
}
