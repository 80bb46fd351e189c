// Turns the runs into medians per pipeline, ratios and the checks of the targets.
import type { BacklogResult } from './check-backlog';
import type { BlockedResult } from './check-blocked';
import type { RunResult } from './measure-pipeline';

/** The median of the finite values, or undefined when there are none. */
export function median(values: readonly (number | undefined)[]): number | undefined {
  const sorted = values.filter((v): v is number => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** One pipeline's medians over its repetitions. */
export interface PipelineSummary {
  pipeline: string;
  count: number | undefined;
  readingsPerS: number | undefined;
  readingsPerSRuns: number[];
  steadyReadingsPerS: number | undefined;
  otherLoadCores: number | undefined;
  cpuPer10kS: Record<'publisher' | 'consumer' | 'rabbitmq' | 'postgres' | 'total', number | undefined>;
  publisherStartupCpuS: number | undefined;
  peakRssMb: { publisher: number | undefined; consumer: number | undefined; publisherMax: number; consumerMax: number };
  latency: {
    count: number | undefined;
    rate: number | undefined;
    p50Ms: number | undefined;
    p99Ms: number | undefined;
    maxMs: number | undefined;
    achievedPerS: number | undefined;
  };
  singleReadingMs: number | undefined;
  singleReadingRunsMs: number[];
}

type Cpu = RunResult['cpuS'];

/** Medians per pipeline over its repetitions. */
export function summarizePipeline(name: string, runs: readonly RunResult[]): PipelineSummary {
  const throughput = runs.filter((r) => r.kind === 'throughput');
  const latency = runs.filter((r) => r.kind === 'latency');
  const cpu = (part: (c: Cpu) => number) => median(throughput.map((r) => (part(r.cpuS) / r.count) * 10_000));
  const probes = latency.flatMap((r) => r.probeLatencyMs);
  return {
    pipeline: name,
    count: throughput[0]?.count,
    readingsPerS: median(throughput.map((r) => r.readingsPerS)),
    readingsPerSRuns: throughput.map((r) => r.readingsPerS),
    steadyReadingsPerS: median(throughput.map((r) => r.steadyReadingsPerS)),
    otherLoadCores: median(throughput.map((r) => r.otherLoadCores)),
    cpuPer10kS: {
      publisher: cpu((c) => c.publisher),
      consumer: cpu((c) => c.consumer),
      rabbitmq: cpu((c) => c.rabbitmq),
      postgres: cpu((c) => c.postgres),
      total: cpu((c) => c.publisher + c.consumer + c.rabbitmq + c.postgres),
    },
    publisherStartupCpuS: median(latency.map((r) => r.probePublisherCpuS)),
    peakRssMb: {
      publisher: median(throughput.map((r) => r.peakRssMb.publisher)),
      consumer: median(throughput.map((r) => r.peakRssMb.consumer)),
      publisherMax: Math.max(...throughput.map((r) => r.peakRssMb.publisher)),
      consumerMax: Math.max(...throughput.map((r) => r.peakRssMb.consumer)),
    },
    latency: {
      count: latency[0]?.count,
      rate: latency[0]?.rate,
      p50Ms: median(latency.map((r) => r.latencyMs.p50)),
      p99Ms: median(latency.map((r) => r.latencyMs.p99)),
      maxMs: median(latency.map((r) => r.latencyMs.max)),
      achievedPerS: median(latency.map((r) => r.readingsPerS)),
    },
    singleReadingMs: median(probes),
    singleReadingRunsMs: probes,
  };
}

/** The product's throughput against another pipeline's. */
export interface Ratio {
  against: string;
  ofMedians: number;
  perRepetition: number[];
  steadyOfMedians: number;
}

export interface Ratios {
  productVsRaw: Ratio | undefined;
  productVsNaive: Ratio | undefined;
}

/** The hand-written pipelines the product is held against; the fastest of them counts. */
const HAND_WRITTEN = ['raw-envelope', 'raw-classic', 'raw-quorum'];

/**
 * product ÷ the fastest hand-written pipeline (envelopes, or one reading per message on either
 * queue type) and product ÷ naive: the ratio of the medians, and the ratio within each
 * repetition (the pipelines of a repetition ran back to back, so these hold however the
 * machine's load drifted between repetitions).
 */
export function computeRatios(summaries: readonly PipelineSummary[], runs: readonly RunResult[]): Ratios {
  const by = new Map(summaries.map((s) => [s.pipeline, s]));
  const rateOf = (name: string) => by.get(name)?.readingsPerS;
  const bestRaw = HAND_WRITTEN.filter((name) => rateOf(name)).sort((a, b) => (rateOf(b) ?? 0) - (rateOf(a) ?? 0))[0];
  const perRep = (other: string) =>
    [...new Set(runs.map((r) => r.rep))]
      .map((rep) => {
        const rate = (name: string) =>
          runs.find((r) => r.pipeline === name && r.rep === rep && r.kind === 'throughput')?.readingsPerS ?? NaN;
        return rate('product') / rate(other);
      })
      .filter(Number.isFinite);
  const ratio = (other: string | undefined): Ratio | undefined => {
    const product = by.get('product');
    const against = other === undefined ? undefined : by.get(other);
    if (other === undefined || !product?.readingsPerS || !against?.readingsPerS) return undefined;
    return {
      against: other,
      ofMedians: product.readingsPerS / against.readingsPerS,
      perRepetition: perRep(other),
      steadyOfMedians: (product.steadyReadingsPerS ?? NaN) / (against.steadyReadingsPerS ?? NaN),
    };
  };
  return { productVsRaw: ratio(bestRaw), productVsNaive: ratio(by.has('naive') ? 'naive' : undefined) };
}

/** The long memory checks that succeeded. */
export interface StressResults {
  backlog?: BacklogResult;
  blocked?: BlockedResult;
}

/** One of the targets, checked. */
export interface TargetCheck {
  target: string;
  value: string;
  /** undefined: not measured. */
  met: boolean | undefined;
}

/** The targets, checked against the product's figures. */
export function checkTargets(
  summaries: readonly PipelineSummary[],
  ratios: Ratios,
  stress: StressResults,
): TargetCheck[] {
  const product = summaries.find((s) => s.pipeline === 'product');
  const check = (target: string, value: number | undefined, ok: (v: number) => boolean, unit = ''): TargetCheck => ({
    target,
    value: value === undefined ? 'not measured' : `${format(value)}${unit}`,
    met: value === undefined ? undefined : ok(value),
  });
  const rate = product?.latency.rate ?? '?';
  return [
    check('product ≥ 0.9 × the fastest hand-written pipeline', ratios.productVsRaw?.ofMedians, (v) => v >= 0.9, '×'),
    check('product ≥ 25 × naive', ratios.productVsNaive?.ofMedians, (v) => v >= 25, '×'),
    check(`p50 latency ≤ 30 ms at ${rate}/s`, product?.latency.p50Ms, (v) => v <= 30, ' ms'),
    check(`p99 latency ≤ 150 ms at ${rate}/s`, product?.latency.p99Ms, (v) => v <= 150, ' ms'),
    check('single reading on an idle system ≤ 50 ms', product?.singleReadingMs, (v) => v <= 50, ' ms'),
    check(
      'publisher peak RSS ≤ 150 MB (throughput runs, highest)',
      finite(product?.peakRssMb.publisherMax),
      (v) => v <= 150,
      ' MB',
    ),
    check(
      'consumer peak RSS ≤ 150 MB (throughput runs, highest)',
      finite(product?.peakRssMb.consumerMax),
      (v) => v <= 150,
      ' MB',
    ),
    check('consumer peak RSS ≤ 150 MB draining the backlog', stress.backlog?.consumerPeakRssMb, (v) => v <= 150, ' MB'),
    check(
      'publisher peak RSS ≤ 150 MB while blocked',
      stress.blocked?.publisherPeakDuringBlockMb,
      (v) => v <= 150,
      ' MB',
    ),
  ];
}

const finite = (value: number | undefined) => (Number.isFinite(value) ? value : undefined);

/** A figure for a table: `–` when missing; 0–2 decimals by size unless `digits` says. */
export function format(value: number | undefined | null, digits?: number): string {
  if (value === undefined || value === null || Number.isNaN(value)) return '–';
  const decimals = digits ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}
