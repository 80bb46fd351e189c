import { Command, Option } from 'commander';
import type { TopologyOptions } from '@sensors/messaging';
import {
  applyConfigFile,
  applyEnvironment,
  booleanOption,
  integerOption,
  readUrlList,
  type RenamedVariable,
} from '@sensors/runtime';
import {
  deadLettersOptions,
  readDeadLettersCommand,
  type DeadLettersCommand,
} from './dead-letters/dead-letters-command';
import { partitionOptions, readPartitionConfig, type PartitionConfig } from './maintain-partitions-options';
import { VERSION } from './version';

/** The Postgres roles and whether to migrate at start-up. */
export interface DatabaseConfig {
  /** The apps' role, which may only insert and read. */
  readonly url: string;
  /** The schema owner's URL, for migrations. */
  readonly migrationUrl: string;
  readonly migrateOnStart: boolean;
}

/** How deliveries become database writes. */
export interface BatchingConfig {
  readonly prefetch: number;
  readonly prefetchReadings: number;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly writeConcurrency: number;
  /** Deliveries a message may have had before it is set aside unread as `repeated-crash`. */
  readonly maxRedeliveries: number;
}

/** The consumer's settings, validated and grouped by concern; each part of the app takes its group. */
export interface ConsumerConfig {
  readonly command: 'run' | 'migrate' | 'dead-letters' | 'check-config';
  /** Set for `dead-letters list|replay|migrate`. */
  readonly deadLetters?: DeadLettersCommand;
  readonly amqp: { readonly urls: readonly string[] };
  readonly topology: Readonly<Required<TopologyOptions>>;
  readonly database: DatabaseConfig;
  readonly batching: BatchingConfig;
  readonly partitions: PartitionConfig;
  readonly logging: { readonly level: string; readonly pretty: boolean };
  readonly ops: {
    readonly metricsPort: number;
    /** Address of the metrics endpoint; undefined: every interface. */
    readonly metricsHost: string | undefined;
    readonly progressIntervalMs: number;
    readonly shutdownTimeoutMs: number;
  };
  /** Variables of earlier releases that were read, to be warned of once the logger exists. */
  readonly renamedVariables: readonly RenamedVariable[];
}

export const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
export const DEFAULT_DATABASE_URL = 'postgres://sensors_app:sensors_app@127.0.0.1:5432/sensors';
export const DEFAULT_MIGRATION_DATABASE_URL = 'postgres://sensors_owner:sensors_owner@127.0.0.1:5432/sensors';

/** Variables of earlier releases still read, with a warning, for this release: new name → old name. */
export const RENAMED_VARIABLES: Readonly<Record<string, string>> = {
  SENSORS_AMQP_URL: 'AMQP_URL',
  SENSORS_DATABASE_URL: 'DATABASE_URL',
  SENSORS_DATABASE_MIGRATION_URL: 'DATABASE_MIGRATION_URL',
};

/** The options the publisher takes too, with the same names, so that one config file serves both. */
function commonOptions(): Option[] {
  return [
    new Option('--config <path>', 'JSON or YAML file of option values, e.g. "batch-size: 500" (flags and env win)').env(
      'SENSORS_CONFIG',
    ),
    new Option('--amqp-url <urls>', 'RabbitMQ URL, or a comma-separated list of cluster nodes')
      .env('SENSORS_AMQP_URL')
      .default(DEFAULT_AMQP_URL, 'amqp://guest:***@127.0.0.1:5672'),
    new Option('--exchange <name>', 'exchange readings are published to').env('SENSORS_EXCHANGE').default('sensors'),
    new Option('--routing-key <key>', 'routing key readings are published and bound with')
      .env('SENSORS_ROUTING_KEY')
      .default('sensor.reading'),
    new Option('--queue <name>', 'queue readings are stored from; dead letters go to <name>.dead-letter')
      .env('SENSORS_QUEUE')
      .default('sensor-readings'),
    new Option('--queue-type <type>', 'type of the queue (quorum: replicated, with a delivery limit)')
      .env('SENSORS_QUEUE_TYPE')
      .default('quorum')
      .choices(['quorum', 'classic']),
    new Option('--delivery-limit <n>', 'deliveries after which the broker dead-letters a message (quorum)')
      .env('SENSORS_DELIVERY_LIMIT')
      .default(20)
      .argParser(integerOption(1)),
    new Option('--queue-replicas <n>', 'nodes a new quorum queue is replicated on (0: every node of the cluster)')
      .env('SENSORS_QUEUE_REPLICAS')
      .default(0)
      .argParser(integerOption(0, 99)),
    new Option('--log-level <level>', 'log level')
      .env('SENSORS_LOG_LEVEL')
      .default('info')
      .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    new Option('--log-pretty [bool]', 'human-readable logs instead of NDJSON')
      .env('SENSORS_LOG_PRETTY')
      .default(false)
      .preset(true)
      .argParser(booleanOption),
    new Option('--progress-interval-ms <ms>', 'how often to log a progress line (0: never)')
      .env('SENSORS_PROGRESS_INTERVAL_MS')
      .default(5000)
      .argParser(integerOption(0)),
    new Option('--metrics-port <port>', 'port of /metrics, /healthz and /readyz (0: any free port)')
      .env('SENSORS_METRICS_PORT')
      .default(9465)
      .argParser(integerOption(0, 65_535)),
    new Option(
      '--metrics-host <address>',
      'address of /metrics, /healthz and /readyz, e.g. 127.0.0.1 (default: every interface, so Prometheus can scrape)',
    ).env('SENSORS_METRICS_HOST'),
    new Option('--shutdown-timeout-ms <ms>', 'longest a graceful shutdown may take')
      .env('SENSORS_SHUTDOWN_TIMEOUT_MS')
      .default(15_000)
      .argParser(integerOption(0)),
  ];
}

function databaseOptions(): Option[] {
  return [
    new Option('--database-url <url>', 'Postgres URL of the role that inserts and reads readings')
      .env('SENSORS_DATABASE_URL')
      .default(DEFAULT_DATABASE_URL, 'postgres://sensors_app:***@127.0.0.1:5432/sensors'),
    new Option(
      '--migration-database-url <url>',
      'Postgres URL of the schema owner, for migrations (default: --database-url when that is set)',
    )
      .env('SENSORS_DATABASE_MIGRATION_URL')
      .default(DEFAULT_MIGRATION_DATABASE_URL, 'postgres://sensors_owner:***@127.0.0.1:5432/sensors'),
    new Option('--migrate-on-start [bool]', 'apply database migrations at start-up')
      .env('SENSORS_MIGRATE_ON_START')
      .default(true)
      .preset(true)
      .argParser(booleanOption),
  ];
}

function batchingOptions(): Option[] {
  return [
    new Option('--prefetch <n>', 'unacked messages held at most (an envelope is one message)')
      .env('SENSORS_PREFETCH')
      .default(2000)
      .argParser(integerOption(1, 65_535)),
    new Option(
      '--prefetch-readings <n>',
      'readings the unacked messages hold, about: the prefetch follows the readings per message, up to --prefetch',
    )
      .env('SENSORS_PREFETCH_READINGS')
      .default(5000)
      .argParser(integerOption(1, 1_000_000)),
    new Option('--batch-size <n>', 'readings per database write, at most')
      .env('SENSORS_BATCH_SIZE')
      .default(1000)
      .argParser(integerOption(1, 100_000)),
    new Option('--flush-interval-ms <ms>', 'longest a reading waits for its batch')
      .env('SENSORS_FLUSH_INTERVAL_MS')
      .default(10)
      .argParser(integerOption(0)),
    new Option('--write-concurrency <n>', 'batches written at once, each on its own connection')
      .env('SENSORS_WRITE_CONCURRENCY')
      .default(2)
      .argParser(integerOption(1, 8)),
    new Option(
      '--max-redeliveries <n>',
      "times a message may come back unsettled (its consumer died) before it is dead-lettered unread as repeated-crash; keep it below the queue's delivery limit",
    )
      .env('SENSORS_MAX_REDELIVERIES')
      .default(5)
      .argParser(integerOption(1, 1000)),
  ];
}

const COMMANDS = ['run', 'migrate', 'dead-letters', 'check-config'] as const;

/**
 * Reads the consumer's configuration from the command line, the environment (`SENSORS_*`,
 * `SENSORS_*_FILE`) and the `--config` file (its top level and its `consumer:` section). On
 * `--help` or a bad value (the error names the flag or variable, and the value unless it may be
 * a secret) commander prints and exits, or throws a CommanderError when `exitOverride` is set.
 */
export function loadConsumerConfig(argv: readonly string[], { exitOverride = false } = {}): ConsumerConfig {
  const env = process.env;
  const program = new Command('consumer')
    .version(VERSION, '-V, --version', 'print the version and exit')
    .description('Takes sensor readings from RabbitMQ and stores them in Postgres, each exactly once.')
    .argument(
      '[command]',
      '"run", "migrate" to apply the database migrations and exit, "dead-letters" to list or replay them, or "check-config" to validate the settings, print them and exit',
      'run',
    )
    .argument('[action]', 'after "dead-letters": "list" (counts by reason, samples), "replay" or "migrate"');
  const options = [
    ...databaseOptions(),
    ...batchingOptions(),
    ...commonOptions(),
    ...deadLettersOptions(),
    ...partitionOptions(),
  ];
  for (const option of options) program.addOption(option);
  if (exitOverride) program.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  program.parse([...argv], { from: 'user' });
  const renamedVariables = applyEnvironment(program, { env, renamed: RENAMED_VARIABLES });
  applyConfigFile(program, { section: 'consumer', otherSections: ['publisher'], env });

  const [command, action] = program.processedArgs as [string, string | undefined];
  if (!COMMANDS.some((known) => known === command)) {
    program.error(`error: unknown command "${command}": expected "run", "migrate", "dead-letters" or "check-config"`);
  }
  if (command !== 'dead-letters' && action !== undefined) program.error(`error: unexpected argument "${action}"`);
  const values = program.opts();
  if (values['maxRedeliveries'] >= values['deliveryLimit']) {
    program.error(
      `error: --max-redeliveries (${values['maxRedeliveries']}) must be below the queue's delivery limit (${values['deliveryLimit']}): otherwise the broker dead-letters a crashing message's neighbours first`,
    );
  }
  const databaseUrl = readUrlList(program, 'databaseUrl', ['postgres', 'postgresql'])[0] as string;
  // One role for everything when only --database-url is given; the two default roles otherwise.
  const ownRole =
    program.getOptionValueSource('migrationDatabaseUrl') === 'default' &&
    program.getOptionValueSource('databaseUrl') !== 'default';
  return {
    command: command as ConsumerConfig['command'],
    deadLetters: command === 'dead-letters' ? readDeadLettersCommand(program, action) : undefined,
    amqp: { urls: readUrlList(program, 'amqpUrl', ['amqp', 'amqps']) },
    topology: {
      exchange: values['exchange'],
      routingKey: values['routingKey'],
      queue: values['queue'],
      queueType: values['queueType'],
      deliveryLimit: values['deliveryLimit'],
      queueReplicas: values['queueReplicas'],
    },
    database: {
      url: databaseUrl,
      migrationUrl: ownRole
        ? databaseUrl
        : (readUrlList(program, 'migrationDatabaseUrl', ['postgres', 'postgresql'])[0] as string),
      migrateOnStart: values['migrateOnStart'],
    },
    batching: {
      prefetch: values['prefetch'],
      prefetchReadings: values['prefetchReadings'],
      batchSize: values['batchSize'],
      flushIntervalMs: values['flushIntervalMs'],
      writeConcurrency: values['writeConcurrency'],
      maxRedeliveries: values['maxRedeliveries'],
    },
    partitions: readPartitionConfig(program),
    logging: { level: values['logLevel'], pretty: values['logPretty'] },
    ops: {
      metricsPort: values['metricsPort'],
      metricsHost: values['metricsHost'],
      progressIntervalMs: values['progressIntervalMs'],
      shutdownTimeoutMs: values['shutdownTimeoutMs'],
    },
    renamedVariables,
  };
}
