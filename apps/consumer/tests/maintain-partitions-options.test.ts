import { Command } from 'commander';
import { parseRetention, partitionOptions, readPartitionConfig } from '../src/maintain-partitions-options';

function parse(argv: string[]) {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined });
  for (const option of partitionOptions()) program.addOption(option);
  program.parse(argv, { from: 'user' });
  return readPartitionConfig(program);
}

describe('parseRetention', () => {
  it('reads hours, days and weeks', () => {
    expect(parseRetention('36h')).toBe(36 * 3_600_000);
    expect(parseRetention('90d')).toBe(90 * 86_400_000);
    expect(parseRetention('12w')).toBe(12 * 7 * 86_400_000);
  });

  it.each(['0d', '90', 'd', '1.5d', '-1d', '3m', ''])('refuses %j, naming the forms it takes', (value) => {
    expect(() => parseRetention(value)).toThrow(/e\.g\. 90d, 12w, 36h/);
  });
});

describe('partitionOptions', () => {
  it('keeps everything in daily partitions by default', () => {
    expect(parse([])).toEqual({ period: 'day', retentionMs: undefined });
  });

  it('takes a retention and a period', () => {
    expect(parse(['--retention', '90d', '--partition-period', 'week'])).toEqual({
      period: 'week',
      retentionMs: 90 * 86_400_000,
    });
  });

  it('refuses an unknown period', () => {
    expect(() => parse(['--partition-period', 'year'])).toThrow(/Allowed choices are day, week, month/);
  });
});
