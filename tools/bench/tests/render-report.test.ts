import { renderReport, type MachineDescription } from '../src/render-report';
import { checkTargets, computeRatios, format, median, summarizePipeline } from '../src/summarize-runs';
import { runResult } from './run-result.fixture';

const machine: MachineDescription = {
  cpus: 2,
  cpuModel: 'Test CPU',
  memoryGb: 24,
  node: 'v20.0.0',
  rabbitmq: '3.10.8',
  postgres: '15.2',
  loadAverage: ['1.00', '1.00', '1.00'],
};
const options = { count: 10_000, naiveCount: 500, reps: 2, latencyCount: 1000, latencyRate: 1000 };
const runs = [
  runResult({ rep: 1, readingsPerS: 40_000 }),
  runResult({ rep: 2, readingsPerS: 60_000 }),
  runResult({ kind: 'latency', rate: 1000, probeLatencyMs: [10, 30], probePublisherCpuS: 0.3 }),
  runResult({ pipeline: 'raw-envelope', rep: 1, readingsPerS: 80_000 }),
  runResult({ pipeline: 'raw-envelope', rep: 2, readingsPerS: 100_000 }),
  runResult({ pipeline: 'naive', rep: 1, count: 500, readingsPerS: 500 }),
];
const summaries = ['product', 'raw-envelope', 'naive'].map((name) =>
  summarizePipeline(
    name,
    runs.filter((r) => r.pipeline === name),
  ),
);

describe('median', () => {
  it('takes the middle of the finite values, the mean of two middles', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2, undefined, NaN])).toBe(2.5);
    expect(median([undefined])).toBeUndefined();
  });
});

describe('summarizePipeline', () => {
  it('takes medians of the throughput runs and the latency runs apart', () => {
    const [product] = summaries;
    expect(product.readingsPerS).toBe(50_000);
    expect(product.readingsPerSRuns).toEqual([40_000, 60_000]);
    expect(product.cpuPer10kS.total).toBeCloseTo(0.5);
    expect(product.latency).toMatchObject({ rate: 1000, p50Ms: 20, p99Ms: 100 });
    expect(product.singleReadingMs).toBe(20);
    expect(product.publisherStartupCpuS).toBe(0.3);
  });
});

describe('computeRatios', () => {
  it('holds the product against the fastest hand-written pipeline and against naive', () => {
    const ratios = computeRatios(summaries, runs);
    expect(ratios.productVsRaw).toMatchObject({ against: 'raw-envelope', ofMedians: 50_000 / 90_000 });
    expect(ratios.productVsRaw?.perRepetition).toEqual([0.5, 0.6]);
    expect(ratios.productVsNaive?.ofMedians).toBe(100);
  });

  it('has no ratio without the product', () => {
    expect(computeRatios(summaries.slice(1), runs).productVsRaw).toBeUndefined();
  });
});

describe('checkTargets', () => {
  it('marks each target met, missed or not measured', () => {
    const targets = checkTargets(summaries, computeRatios(summaries, runs), {});
    const byName = (start: string) => targets.find((t) => t.target.startsWith(start));
    expect(byName('product ≥ 0.9')).toMatchObject({ value: '0.56×', met: false });
    expect(byName('product ≥ 25 × naive')).toMatchObject({ met: true });
    expect(byName('p50 latency ≤ 30 ms at 1000/s')).toMatchObject({ value: '20.0 ms', met: true });
    expect(byName('consumer peak RSS ≤ 150 MB draining')).toMatchObject({ value: 'not measured', met: undefined });
  });
});

describe('format', () => {
  it('gives fewer decimals to larger figures and a dash to a missing one', () => {
    expect(format(12_345.6)).toBe('12,346');
    expect(format(12.34)).toBe('12.3');
    expect(format(1.234)).toBe('1.23');
    expect(format(undefined)).toBe('–');
    expect(format(2, 0)).toBe('2');
  });
});

describe('renderReport', () => {
  const ratios = computeRatios(summaries, runs);
  const report = renderReport({
    summaries,
    ratios,
    targets: checkTargets(summaries, ratios, {}),
    stress: {},
    options,
    machine,
  });

  it('renders a row per pipeline with its median and runs', () => {
    expect(report).toContain('## Throughput and CPU (10,000 readings; naive 500; median of 2)');
    expect(report).toMatch(/\| product +\| +50,000 \| +40,000 \/ 60,000 \|/);
    expect(report).toMatch(/\| raw-envelope +\| +90,000 \|/);
  });

  it('renders the ratios, the targets and the machine', () => {
    expect(report).toContain('- product / raw (raw-envelope): 0.56× of the medians; per repetition 0.50×, 0.60×');
    expect(report).toMatch(/\| product ≥ 25 × naive +\| +100×? +\| yes +\|/);
    expect(report).toContain('Machine: 2 × Test CPU, 24 GB, Node v20.0.0, RabbitMQ 3.10.8, Postgres 15.2');
  });

  it('renders the memory checks when they ran', () => {
    const blocked = {
      count: 50_000,
      blockedSeconds: 10,
      rows: { atBlock: 10_000, settled: 12_000, atUnblock: 12_000 },
      blocked: true,
      publisherPeakBeforeBlockMb: 90,
      publisherPeakDuringBlockMb: 100,
      publisherExitCode: 0,
      recoveredInS: 1.5,
      consumerPeakRssMb: 100,
    };
    const text = renderReport({ summaries: [], ratios, targets: [], stress: { blocked }, options, machine });
    expect(text).toMatch(/^## Blocked broker: 50,000 readings, publishers blocked for 10 s/);
    expect(text).toContain('- blocked: yes (rows at block 10,000, settled 12,000, at unblock 12,000)');
  });
});
