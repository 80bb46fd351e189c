import { Option, type Command } from 'commander';
import { booleanOption, integerOption, readUrlList } from './option-parsers';

/** The default broker: the local RabbitMQ with its stock account. */
export const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

/** Settings both apps share, as parsed by {@link sharedOptions}. */
export interface SharedConfig {
  amqpUrls: string[];
  exchange: string;
  queue: string;
  queueType: 'quorum' | 'classic';
  deliveryLimit: number;
  queueReplicas: number;
  logLevel: string;
  logPretty: boolean;
  progressIntervalMs: number;
  shutdownTimeoutMs: number;
  metricsPort: number;
  /** Address of the metrics endpoint; undefined: every interface. */
  metricsHost: string | undefined;
}

/**
 * The command-line options both apps take, each with its environment variable and default
 * (shown by `--help`). Flags win over the environment, which wins over the defaults.
 */
export function sharedOptions(defaults: { metricsPort: number }): Option[] {
  return [
    new Option('--config <path>', 'JSON or YAML file of option values, e.g. "batch-size: 500" (flags and env win)').env(
      'SENSORS_CONFIG',
    ),
    new Option('--amqp-url <urls>', 'RabbitMQ URL, or a comma-separated list of cluster nodes')
      .env('AMQP_URL')
      .default(DEFAULT_AMQP_URL, 'amqp://guest:***@127.0.0.1:5672'),
    new Option('--exchange <name>', 'exchange readings are published to').env('SENSORS_EXCHANGE').default('sensors'),
    new Option('--queue <name>', 'queue readings are stored from; dead letters go to <name>.dead-letter')
      .env('SENSORS_QUEUE')
      .default('sensor-readings'),
    new Option('--queue-type <type>', 'type of the queue (quorum: replicated, with a delivery limit)')
      .env('SENSORS_QUEUE_TYPE')
      .default('quorum')
      .choices(['quorum', 'classic']),
    new Option('--delivery-limit <n>', 'deliveries after which the broker dead-letters a message (quorum)')
      .env('DELIVERY_LIMIT')
      .default(20)
      .argParser(integerOption(1)),
    new Option('--queue-replicas <n>', 'nodes a new quorum queue is replicated on (0: every node of the cluster)')
      .env('QUEUE_REPLICAS')
      .default(0)
      .argParser(integerOption(0, 99)),
    new Option('--log-level <level>', 'log level')
      .env('LOG_LEVEL')
      .default('info')
      .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    new Option('--log-pretty [bool]', 'human-readable logs instead of NDJSON')
      .env('LOG_PRETTY')
      .default(false)
      .preset(true)
      .argParser(booleanOption),
    new Option('--progress-interval-ms <ms>', 'how often to log a progress line (0: never)')
      .env('PROGRESS_INTERVAL_MS')
      .default(5000)
      .argParser(integerOption(0)),
    new Option('--metrics-port <port>', 'port of /metrics, /healthz and /readyz (0: any free port)')
      .env('METRICS_PORT')
      .default(defaults.metricsPort)
      .argParser(integerOption(0, 65_535)),
    new Option(
      '--metrics-host <address>',
      'address of /metrics, /healthz and /readyz, e.g. 127.0.0.1 (default: every interface, so Prometheus can scrape)',
    ).env('METRICS_HOST'),
    new Option('--shutdown-timeout-ms <ms>', 'longest a graceful shutdown may take')
      .env('SHUTDOWN_TIMEOUT_MS')
      .default(15_000)
      .argParser(integerOption(0)),
  ];
}

/** Picks the shared settings out of a parsed program (stopping it if a URL is malformed). */
export function toSharedConfig(program: Command): SharedConfig {
  const options = program.opts();
  return {
    amqpUrls: readUrlList(program, 'amqpUrl', ['amqp', 'amqps']),
    exchange: options['exchange'] as string,
    queue: options['queue'] as string,
    queueType: options['queueType'] as SharedConfig['queueType'],
    deliveryLimit: options['deliveryLimit'] as number,
    queueReplicas: options['queueReplicas'] as number,
    logLevel: options['logLevel'] as string,
    logPretty: options['logPretty'] as boolean,
    progressIntervalMs: options['progressIntervalMs'] as number,
    shutdownTimeoutMs: options['shutdownTimeoutMs'] as number,
    metricsPort: options['metricsPort'] as number,
    metricsHost: options['metricsHost'] as string | undefined,
  };
}
