import type { RunResult } from '../src/measure-pipeline';

/** A run as measurePipeline returns it, with round figures. */
export function runResult(overrides: Partial<RunResult> = {}): RunResult {
  return {
    pipeline: 'product',
    kind: 'throughput',
    rep: 1,
    count: 10_000,
    rate: 0,
    readingsPerS: 50_000,
    steadyReadingsPerS: 55_000,
    spanS: 0.2,
    wallS: 0.5,
    cpuS: { publisher: 0.2, consumer: 0.1, rabbitmq: 0.05, postgres: 0.15, bench: 0.01 },
    otherLoadCores: 0.5,
    peakRssMb: { publisher: 110, consumer: 120 },
    latencyMs: { p50: 20, p99: 100, max: 140 },
    probeLatencyMs: [],
    probePublisherCpuS: undefined,
    leftInQueue: 0,
    deadLettered: 0,
    samples: [
      { t: 0, rows: 0 },
      { t: 0.25, rows: 4000 },
      { t: 0.5, rows: 10_000 },
    ],
    ...overrides,
  };
}
