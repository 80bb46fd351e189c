import { Command, Option } from 'commander';
import {
  booleanOption,
  integerOption,
  parseOptions,
  readServiceOptions,
  readUrlList,
  serviceOptions,
} from '@sensors/config';
import type { RenamedOption, RenamedVariable, ServiceConfig } from '@sensors/config';
import {
  deadLettersOptions,
  readDeadLettersCommand,
  type DeadLettersCommand,
} from './dead-letters/dead-letters-options';
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
  /** Longest a reading waits for its batch, in milliseconds: the `Batcher`'s linger. */
  readonly batchLingerMs: number;
  readonly writeConcurrency: number;
  /** Deliveries a message may have had before it is set aside unread as `repeated-crash`. */
  readonly maxRedeliveries: number;
}

/** The consumer's settings, validated and grouped by concern; each part of the app takes its group. */
export interface ConsumerConfig extends ServiceConfig {
  readonly command: 'run' | 'migrate' | 'dead-letters' | 'check-config';
  /** Set for `dead-letters list|replay|migrate`. */
  readonly deadLetters?: DeadLettersCommand;
  readonly database: DatabaseConfig;
  readonly batching: BatchingConfig;
  readonly partitions: PartitionConfig;
  /** Variables of earlier releases that were read, to be warned of once the logger exists. */
  readonly renamedVariables: readonly RenamedVariable[];
  /** Flags and config file keys of earlier releases that were read, likewise. */
  readonly renamedOptions: readonly RenamedOption[];
}

export const DEFAULT_DATABASE_URL = 'postgres://sensors_app:sensors_app@127.0.0.1:5432/sensors';
export const DEFAULT_MIGRATION_DATABASE_URL = 'postgres://sensors_owner:sensors_owner@127.0.0.1:5432/sensors';

/** Variables of earlier releases still read, with a warning, for this release: new name → old name. */
export const RENAMED_VARIABLES: Readonly<Record<string, string>> = {
  SENSORS_AMQP_URL: 'AMQP_URL',
  SENSORS_DATABASE_URL: 'DATABASE_URL',
  SENSORS_DATABASE_MIGRATION_URL: 'DATABASE_MIGRATION_URL',
  SENSORS_BATCH_LINGER_MS: 'SENSORS_FLUSH_INTERVAL_MS',
};

/** Options of earlier releases still read, as flags and config file keys, with a warning: new → old. */
export const RENAMED_OPTIONS: Readonly<Record<string, string>> = {
  '--batch-linger-ms': '--flush-interval-ms',
};

function databaseOptions(): Option[] {
  return [
    new Option('--database-url <url>', 'Postgres URL of the role that inserts and reads readings')
      .env('SENSORS_DATABASE_URL')
      .default(DEFAULT_DATABASE_URL, 'postgres://sensors_app:***@127.0.0.1:5432/sensors'),
    new Option('--migration-database-url <url>', 'Postgres URL of the schema owner, for migrations')
      .env('SENSORS_DATABASE_MIGRATION_URL')
      .default(
        DEFAULT_MIGRATION_DATABASE_URL,
        '--database-url when that is set, else postgres://sensors_owner:***@127.0.0.1:5432/sensors',
      ),
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
    new Option('--batch-linger-ms <ms>', 'longest a reading waits for its batch')
      .env('SENSORS_BATCH_LINGER_MS')
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
    // The same flags as the publisher's, so that one config file serves both.
    ...serviceOptions({
      envPrefix: 'SENSORS_',
      configExample: 'batch-size: 500',
      exchange: 'sensors',
      routingKey: 'sensor.reading',
      queue: 'sensor-readings',
      metricsPort: 9465,
    }),
    ...deadLettersOptions(),
    ...partitionOptions(),
  ];
  const { renamedVariables, renamedOptions } = parseOptions(program, options, argv, {
    env: process.env,
    renamed: RENAMED_VARIABLES,
    renamedOptions: RENAMED_OPTIONS,
    section: 'consumer',
    otherSections: ['publisher'],
    exitOverride,
  });

  const [command, action] = program.processedArgs as [string, string | undefined];
  if (!COMMANDS.some((known) => known === command)) {
    program.error(`error: unknown command "${command}": expected "run", "migrate", "dead-letters" or "check-config"`);
  }
  if (command !== 'dead-letters' && action !== undefined) program.error(`error: unexpected argument "${action}"`);
  // What the parsers above make of each option (commander types them all `any`).
  const values = program.opts<
    BatchingConfig & Pick<DatabaseConfig, 'migrateOnStart'> & Pick<ServiceConfig['topology'], 'deliveryLimit'>
  >();
  if (values['maxRedeliveries'] >= values['deliveryLimit']) {
    program.error(
      `error: --max-redeliveries (${values['maxRedeliveries']}) must be below the queue's delivery limit (${values['deliveryLimit']}): otherwise the broker dead-letters a crashing message's neighbours first`,
    );
  }
  const databaseUrl = readUrlList(program, 'databaseUrl', ['postgres', 'postgresql'])[0];
  // One role for everything when only --database-url is given; the two default roles otherwise.
  const ownRole =
    program.getOptionValueSource('migrationDatabaseUrl') === 'default' &&
    program.getOptionValueSource('databaseUrl') !== 'default';
  return {
    command: command as ConsumerConfig['command'],
    deadLetters: command === 'dead-letters' ? readDeadLettersCommand(program, action) : undefined,
    ...readServiceOptions(program),
    database: {
      url: databaseUrl,
      migrationUrl: ownRole ? databaseUrl : readUrlList(program, 'migrationDatabaseUrl', ['postgres', 'postgresql'])[0],
      migrateOnStart: values['migrateOnStart'],
    },
    batching: {
      prefetch: values['prefetch'],
      prefetchReadings: values['prefetchReadings'],
      batchSize: values['batchSize'],
      batchLingerMs: values['batchLingerMs'],
      writeConcurrency: values['writeConcurrency'],
      maxRedeliveries: values['maxRedeliveries'],
    },
    partitions: readPartitionConfig(program),
    renamedVariables,
    renamedOptions,
  };
}
