import { Histogram, Registry } from 'prom-client';
import { WeightedHistogram } from '../src/weighted-histogram';

const options = {
  name: 'sensors_reading_latency_seconds',
  help: "From a reading's time_of_measurement to its commit in Postgres.",
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
};

/** Runs of values as a batch gives them: a value and how many readings share it. */
const runs: [number, number][] = [
  [0.0123, 100],
  [0.1, 3],
  [0.1 + 1e-12, 1],
  [0.005, 7],
  [0, 2],
  [-0.002, 5],
  [59.999, 1],
  [60, 4],
  [61.5, 9],
  [3600, 2],
  [1 / 3, 1000],
  [0.7, 250],
];

/** prom-client's histogram fed the runs one value at a time, and the weighted one fed a call per run. */
function feedBoth(): { reference: Registry; weighted: Registry; histogram: WeightedHistogram } {
  const reference = new Registry();
  const plain = new Histogram({ ...options, registers: [reference] });
  const weighted = new Registry();
  const histogram = new WeightedHistogram(weighted, options);
  for (const [value, times] of runs) {
    for (let i = 0; i < times; i++) plain.observe(value);
    histogram.observe(value, times);
  }
  return { reference, weighted, histogram };
}

describe('WeightedHistogram', () => {
  it('exposes the same text as prom-client fed one value at a time, sum included to the last digit', async () => {
    const { reference, weighted } = feedBoth();
    expect(await weighted.metrics()).toBe(await reference.metrics());
  });

  it('exposes the same JSON, default labels included', async () => {
    const { reference, weighted } = feedBoth();
    reference.setDefaultLabels({ app: 'consumer' });
    weighted.setDefaultLabels({ app: 'consumer' });
    expect(await weighted.getMetricsAsJSON()).toEqual(await reference.getMetricsAsJSON());
  });

  it('exposes the same empty histogram before any observation', async () => {
    const reference = new Registry();
    new Histogram({ ...options, registers: [reference] });
    const weighted = new Registry();
    new WeightedHistogram(weighted, options);
    expect(await weighted.metrics()).toBe(await reference.metrics());
  });

  it('counts one observation when no count is given', async () => {
    const registry = new Registry();
    const histogram = new WeightedHistogram(registry, options);
    histogram.observe(0.02);
    expect(await registry.getSingleMetricAsString(options.name)).toContain(`${options.name}_count 1`);
  });

  it('forgets its observations when the registry resets its metrics', async () => {
    const { weighted } = feedBoth();
    weighted.resetMetrics();
    const empty = new Registry();
    new Histogram({ ...options, registers: [empty] });
    expect(await weighted.metrics()).toBe(await empty.metrics());
  });

  it('refuses a value that is not a finite number, as prom-client does', () => {
    const histogram = new WeightedHistogram(new Registry(), options);
    expect(() => histogram.observe(NaN, 3)).toThrow(TypeError);
    expect(() => histogram.observe(Infinity)).toThrow(TypeError);
  });
});
