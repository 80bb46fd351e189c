import { PIPELINE_NAMES } from '../src/define-pipelines';
import { benchUsage, readBenchOptions } from '../src/read-bench-options';

describe('readBenchOptions', () => {
  it('gives the full run by default', () => {
    const options = readBenchOptions([], {});
    expect(options).toMatchObject({
      quick: false,
      count: 100_000,
      naiveCount: 5000,
      reps: 3,
      probes: 3,
      blocked: false,
    });
    expect(options.pipelines).toEqual([...PIPELINE_NAMES]);
    expect(options.amqpUrl).toBe('amqp://guest:guest@127.0.0.1:5672');
  });

  it('takes the smaller sizes of --quick where a flag has one', () => {
    const options = readBenchOptions(['--quick'], {});
    expect(options).toMatchObject({
      quick: true,
      count: 100_000,
      naiveCount: 1000,
      latencyCount: 2000,
      reps: 1,
      probes: 1,
    });
  });

  it('reads BENCH_* variables, and flags win over them', () => {
    const env = { BENCH_COUNT: '2000', BENCH_REPS: '2', BENCH_QUICK: '1' };
    expect(readBenchOptions([], env)).toMatchObject({ count: 2000, reps: 2, quick: true });
    expect(readBenchOptions(['--count', '3_000'], env).count).toBe(3000);
  });

  it('splits --pipelines and refuses a name it does not know', () => {
    expect(readBenchOptions(['--pipelines', 'product, naive'], {}).pipelines).toEqual(['product', 'naive']);
    expect(() => readBenchOptions(['--pipelines', 'product,fast'], {})).toThrow('--pipelines: unknown fast');
  });

  it('refuses a count that is not a whole number, and an unknown flag', () => {
    expect(() => readBenchOptions(['--count', '1.5'], {})).toThrow('--count must be a whole number (got "1.5")');
    expect(() => readBenchOptions(['--fast'], {})).toThrow();
  });

  it('allows --reps 0 only with a memory check', () => {
    expect(() => readBenchOptions(['--reps', '0'], {})).toThrow('--reps must be at least 1');
    expect(readBenchOptions(['--reps', '0', '--backlog'], {}).reps).toBe(0);
  });
});

describe('benchUsage', () => {
  it('lists every flag with its default and variable', () => {
    const usage = benchUsage();
    expect(usage).toContain('--naive-count <value>');
    expect(usage).toContain('(default 5000, --quick 1000) [BENCH_NAIVE_COUNT]');
    expect(usage).toContain('--blocked ');
  });
});
