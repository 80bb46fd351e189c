import { InvalidArgumentError, Option, type Command } from 'commander';
import type { PartitionPeriod } from '@sensors/persistence';

/** How the consumer keeps the partitions of `sensor_readings`. */
export interface PartitionConfig {
  period: PartitionPeriod;
  /** Readings older than this are dropped and refused as `expired`; undefined keeps everything. */
  retentionMs?: number;
}

const UNIT_MS = { h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const PERIODS: readonly PartitionPeriod[] = ['day', 'week', 'month'];

/** Parses a retention such as `90d`, `12w` or `36h`. */
export function parseRetention(value: string): number {
  const match = /^(\d+)([hdw])$/.exec(value.trim());
  const amount = match ? Number(match[1]) : 0;
  if (!match || amount === 0) {
    throw new InvalidArgumentError(
      `expected a positive whole number of hours, days or weeks, e.g. 90d, 12w, 36h (got "${value}")`,
    );
  }
  return amount * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** The partition options, for the consumer's command line. */
export function partitionOptions(): Option[] {
  return [
    new Option('--retention <duration>', 'drop readings older than this, e.g. 90d, 12w, 36h (default: keep everything)')
      .env('SENSORS_RETENTION')
      .argParser(parseRetention),
    new Option('--partition-period <period>', 'what each partition of sensor_readings spans')
      .env('SENSORS_PARTITION_PERIOD')
      .choices(PERIODS)
      .default('day'),
  ];
}

/** Reads the partition options once the command line is parsed. */
export function readPartitionConfig(program: Command): PartitionConfig {
  const options = program.opts();
  return {
    period: options['partitionPeriod'] as PartitionPeriod,
    retentionMs: options['retention'] as number | undefined,
  };
}
