import { Command, Option } from 'commander';
import {
  applyConfigFile,
  integerOption,
  numberOption,
  sharedOptions,
  toSharedConfig,
  type SharedConfig,
} from '@sensors/runtime';

/** The publisher's settings, validated; flags win over environment variables over defaults. */
export interface PublisherConfig extends SharedConfig {
  /** Readings to publish before exiting; undefined: until stopped. */
  count: number | undefined;
  /** Readings per second; 0: as fast as the broker confirms them. */
  rate: number;
  seed: string | undefined;
  sensors: number;
  maxInFlight: number;
}

/**
 * Reads the publisher's configuration from the command line and the environment. On `--help`
 * or a bad value (the error names the flag or variable and the value) commander prints and
 * exits, or throws a CommanderError when `exitOverride` is set (for tests).
 */
export function loadPublisherConfig(argv: readonly string[], { exitOverride = false } = {}): PublisherConfig {
  const program = new Command('publisher')
    .description('Generates sensor readings, validates and enriches them, and publishes them durably to RabbitMQ.')
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
    );
  for (const option of sharedOptions({ metricsPort: 9464 })) program.addOption(option);
  if (exitOverride) program.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  program.parse([...argv], { from: 'user' });
  applyConfigFile(program);
  const options = program.opts();
  return {
    ...toSharedConfig(program),
    count: options['count'],
    rate: options['rate'],
    seed: options['seed'],
    sensors: options['sensors'],
    maxInFlight: options['maxInFlight'],
  };
}
