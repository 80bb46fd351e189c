import type { Histogram, Registry } from 'prom-client';

/** One series of a metric as prom-client's registry reads it. */
interface SeriesValue {
  value: number;
  metricName: string;
  exemplar: null | undefined;
  labels: { le?: number | '+Inf' };
}

/** What prom-client's registry reads from a metric at scrape time. */
export interface HistogramSnapshot {
  name: string;
  help: string;
  type: 'histogram';
  aggregator: 'sum';
  values: SeriesValue[];
}

/**
 * A Prometheus histogram without labels that takes a value together with how many times it
 * was seen, for values that come in runs: the readings of one batch share few measurement
 * times, so one call per run replaces one prom-client `Histogram.observe` per reading.
 *
 * Registered in a prom-client registry, it exposes exactly what a prom-client `Histogram` with
 * the same name, help and buckets fed the same values one at a time exposes: the cumulative
 * buckets, `+Inf`, `_sum` (added value by value, so with the same rounding) and `_count`.
 *
 * @example
 * const latency = new WeightedHistogram(registry, { name: 'x_seconds', help: 'X.', buckets: [0.1, 1] });
 * latency.observe(0.25, 100); // as 100 observations of 0.25
 */
export class WeightedHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly upperBounds: readonly number[];
  /** Observations per bucket (not cumulative); the last counts those above every bound. */
  private counts: number[];
  private sum = 0;
  private count = 0;

  constructor(registry: Registry, options: { name: string; help: string; buckets: readonly number[] }) {
    this.name = options.name;
    this.help = options.help;
    this.upperBounds = [...options.buckets];
    this.counts = new Array<number>(this.upperBounds.length + 1).fill(0);
    // The registry reads any object with a name, help, type, get() and reset(); its types list only its own classes.
    registry.registerMetric(this as unknown as Histogram);
  }

  /**
   * Records `value` as observed `times` times (a whole number, 1 by default).
   *
   * @throws {TypeError} when `value` is not a finite number, as prom-client's histogram does.
   */
  observe(value: number, times = 1): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    let bucket = 0;
    while (bucket < this.upperBounds.length && value > this.upperBounds[bucket]) bucket++;
    this.counts[bucket] += times;
    this.count += times;
    // One addition per observation, not value × times: the sum rounds as prom-client's does.
    for (let i = 0; i < times; i++) this.sum += value;
  }

  /** The series as prom-client's registry reads them at scrape time. */
  get(): Promise<HistogramSnapshot> {
    const bucketName = `${this.name}_bucket`;
    let cumulative = 0;
    const values: SeriesValue[] = this.upperBounds.map((le, i) => {
      cumulative += this.counts[i];
      return { value: cumulative, metricName: bucketName, exemplar: null, labels: { le } };
    });
    values.push(
      { value: this.count, metricName: bucketName, exemplar: null, labels: { le: '+Inf' } },
      { value: this.sum, metricName: `${this.name}_sum`, exemplar: undefined, labels: {} },
      { value: this.count, metricName: `${this.name}_count`, exemplar: undefined, labels: {} },
    );
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  /** Forgets every observation (the registry's `resetMetrics`). */
  reset(): void {
    this.counts = this.counts.map(() => 0);
    this.sum = 0;
    this.count = 0;
  }
}
