import { Command, Option } from 'commander';
import {
  applyConfigFile,
  booleanOption,
  integerOption,
  readUrlList,
  sharedOptions,
  toSharedConfig,
  type SharedConfig,
} from '@sensors/runtime';
import {
  deadLettersOptions,
  readDeadLettersCommand,
  type DeadLettersCommand,
} from './dead-letters/dead-letters-command';
import { partitionOptions, readPartitionConfig, type PartitionConfig } from './maintain-partitions-options';
import { VERSION } from './version';

/** The consumer's settings, validated; flags win over environment variables over defaults. */
export interface ConsumerConfig extends SharedConfig {
  command: 'run' | 'migrate' | 'dead-letters';
  /** Set for `dead-letters list|replay`. */
  deadLetters?: DeadLettersCommand;
  databaseUrl: string;
  /** The schema owner's URL, for migrations; the apps' role (`databaseUrl`) may only insert and read. */
  migrationDatabaseUrl: string;
  prefetch: number;
  prefetchReadings: number;
  batchSize: number;
  flushIntervalMs: number;
  writeConcurrency: number;
  migrateOnStart: boolean;
  partitions: PartitionConfig;
  /** Deliveries a message may have had before it is set aside unread as `repeated-crash`. */
  maxRedeliveries: number;
}

export const DEFAULT_DATABASE_URL = 'postgres://sensors_app:sensors_app@127.0.0.1:5432/sensors';
export const DEFAULT_MIGRATION_DATABASE_URL = 'postgres://sensors_owner:sensors_owner@127.0.0.1:5432/sensors';

/**
 * Reads the consumer's configuration from the command line and the environment. On `--help`
 * or a bad value (the error names the flag or variable and the value) commander prints and
 * exits, or throws a CommanderError when `exitOverride` is set (for tests).
 */
export function loadConsumerConfig(argv: readonly string[], { exitOverride = false } = {}): ConsumerConfig {
  const program = new Command('consumer')
    .version(VERSION, '-V, --version', 'print the version and exit')
    .description('Takes sensor readings from RabbitMQ and stores them in Postgres, each exactly once.')
    .argument(
      '[command]',
      '"run", "migrate" to apply the database migrations and exit, or "dead-letters" to list or replay them',
      'run',
    )
    .argument('[action]', 'after "dead-letters": "list" (counts by reason, samples), "replay" or "migrate"')
    .addOption(
      new Option('--database-url <url>', 'Postgres URL of the role that inserts and reads readings')
        .env('DATABASE_URL')
        .default(DEFAULT_DATABASE_URL, 'postgres://sensors_app:***@127.0.0.1:5432/sensors'),
    )
    .addOption(
      new Option(
        '--migration-database-url <url>',
        'Postgres URL of the schema owner, for migrations (default: --database-url when that is set)',
      )
        .env('DATABASE_MIGRATION_URL')
        .default(DEFAULT_MIGRATION_DATABASE_URL, 'postgres://sensors_owner:***@127.0.0.1:5432/sensors'),
    )
    .addOption(
      new Option('--prefetch <n>', 'unacked messages held at most (an envelope is one message)')
        .env('PREFETCH')
        .default(2000)
        .argParser(integerOption(1, 65_535)),
    )
    .addOption(
      new Option(
        '--prefetch-readings <n>',
        'readings the unacked messages hold, about: the prefetch follows the readings per message, up to --prefetch',
      )
        .env('PREFETCH_READINGS')
        .default(5000)
        .argParser(integerOption(1, 1_000_000)),
    )
    .addOption(
      new Option('--batch-size <n>', 'readings per database write, at most')
        .env('BATCH_SIZE')
        .default(1000)
        .argParser(integerOption(1, 100_000)),
    )
    .addOption(
      new Option('--flush-interval-ms <ms>', 'longest a reading waits for its batch')
        .env('FLUSH_INTERVAL_MS')
        .default(50)
        .argParser(integerOption(0)),
    )
    .addOption(
      new Option('--write-concurrency <n>', 'batches written at once, each on its own connection')
        .env('WRITE_CONCURRENCY')
        .default(2)
        .argParser(integerOption(1, 8)),
    )
    .addOption(
      new Option(
        '--max-redeliveries <n>',
        "times a message may come back unsettled (its consumer died) before it is dead-lettered unread as repeated-crash; keep it below the queue's delivery limit",
      )
        .env('MAX_REDELIVERIES')
        .default(5)
        .argParser(integerOption(1, 1000)),
    )
    .addOption(
      new Option('--migrate-on-start [bool]', 'apply database migrations at start-up')
        .env('MIGRATE_ON_START')
        .default(true)
        .preset(true)
        .argParser(booleanOption),
    );
  for (const option of sharedOptions({ metricsPort: 9465 })) program.addOption(option);
  for (const option of deadLettersOptions()) program.addOption(option);
  for (const option of partitionOptions()) program.addOption(option);
  if (exitOverride) program.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  program.parse([...argv], { from: 'user' });
  applyConfigFile(program);

  const [command, action] = program.processedArgs as [string, string | undefined];
  if (command !== 'run' && command !== 'migrate' && command !== 'dead-letters') {
    program.error(`error: unknown command "${command}": expected "run", "migrate" or "dead-letters"`);
  }
  if (command !== 'dead-letters' && action !== undefined) program.error(`error: unexpected argument "${action}"`);
  const options = program.opts();
  const shared = toSharedConfig(program);
  if (options['maxRedeliveries'] >= shared.deliveryLimit) {
    program.error(
      `error: --max-redeliveries (${options['maxRedeliveries']}) must be below the queue's delivery limit (${shared.deliveryLimit}): otherwise the broker dead-letters a crashing message's neighbours first`,
    );
  }
  return {
    ...shared,
    command: command as ConsumerConfig['command'],
    deadLetters: command === 'dead-letters' ? readDeadLettersCommand(program, action) : undefined,
    databaseUrl: readUrlList(program, 'databaseUrl', ['postgres', 'postgresql'])[0],
    // One role for everything when only DATABASE_URL is given; the two default roles otherwise.
    migrationDatabaseUrl: readUrlList(
      program,
      program.getOptionValueSource('migrationDatabaseUrl') === 'default' &&
        program.getOptionValueSource('databaseUrl') !== 'default'
        ? 'databaseUrl'
        : 'migrationDatabaseUrl',
      ['postgres', 'postgresql'],
    )[0],
    prefetch: options['prefetch'],
    prefetchReadings: options['prefetchReadings'],
    batchSize: options['batchSize'],
    flushIntervalMs: options['flushIntervalMs'],
    writeConcurrency: options['writeConcurrency'],
    migrateOnStart: options['migrateOnStart'],
    partitions: readPartitionConfig(program),
    maxRedeliveries: options['maxRedeliveries'],
  };
}
