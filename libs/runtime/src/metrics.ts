import { Counter, Gauge, collectDefaultMetrics, Registry } from 'prom-client';

/** prom-client's gauges whose names end in `_total`, which `promtool check metrics` rejects. */
const MISNAMED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * A registry with the process metrics (CPU, memory, event loop lag, GC: `process_*`,
 * `nodejs_*`) already in it, less the three that break Prometheus's naming rules, and, given
 * the app's version, `sensors_build_info` (see {@link registerBuildInfo}).
 */
export function createMetricsRegistry(version?: string): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
  if (version !== undefined) registerBuildInfo(registry, version);
  return registry;
}

/**
 * Registers a counter whose value is read, at scrape time, from a running total the app keeps
 * anyway (so the hot path pays for one integer increment, not a metric update). With
 * `labelName`, `read` returns one total per label value, e.g. dead letters by reason; the
 * `labelValues` known in advance are exported at 0 until they happen, so that `rate()` and
 * `increase()` see the first one.
 *
 * @example
 * counterFrom(registry, { name: 'sensors_readings_stored_total', help: 'Readings written.' }, () => stats.stored);
 */
export function counterFrom(
  registry: Registry,
  meta: { name: string; help: string; labelName?: string; labelValues?: readonly string[] },
  read: () => number | Record<string, number>,
): void {
  new Counter({
    name: meta.name,
    help: meta.help,
    labelNames: meta.labelName ? [meta.labelName] : [],
    registers: [registry],
    collect() {
      const value = read();
      this.reset();
      const labelName = meta.labelName ?? 'label';
      if (typeof value === 'number') this.inc(value);
      else for (const [label, total] of Object.entries(value)) this.inc({ [labelName]: label }, total);
      // Adding 0 creates a missing series and leaves a present one as it is.
      for (const label of meta.labelValues ?? []) this.inc({ [labelName]: label }, 0);
    },
  });
}

/**
 * Registers a gauge read at scrape time (it may be async, e.g. asking the broker). While `read`
 * gives undefined (not known yet, or the source did not answer) the gauge has no sample: its
 * `# TYPE` stays, and no made-up 0 reads as, say, an empty queue.
 */
export function gaugeFrom(
  registry: Registry,
  meta: { name: string; help: string },
  read: () => number | undefined | Promise<number | undefined>,
): void {
  new Gauge({
    name: meta.name,
    help: meta.help,
    registers: [registry],
    async collect() {
      const value = await read();
      // Without labels, remove() drops the one sample; reset() would put a 0 in its place.
      if (value === undefined) this.remove();
      else this.set(value);
    },
  });
}

/** Metrics by name, each with its help text and how to read its value at scrape time. */
export type MetricReaders<T> = Readonly<Record<string, readonly [help: string, read: () => T]>>;

/**
 * Registers a counter without labels per entry, as {@link counterFrom} does.
 *
 * @example
 * countersFrom(registry, { sensors_readings_stored_total: ['Readings written.', () => stats.stored] });
 */
export function countersFrom(registry: Registry, counters: MetricReaders<number>): void {
  for (const [name, [help, read]] of Object.entries(counters)) counterFrom(registry, { name, help }, read);
}

/** Registers a gauge per entry, as {@link gaugeFrom} does. */
export function gaugesFrom(
  registry: Registry,
  gauges: MetricReaders<number | undefined | Promise<number | undefined>>,
): void {
  for (const [name, [help, read]] of Object.entries(gauges)) gaugeFrom(registry, { name, help }, read);
}

/**
 * Registers `sensors_build_info{version, nodejs} 1`, the usual way to put a version on a
 * dashboard or in an alert (`* on(instance) group_left(version) sensors_build_info`).
 */
export function registerBuildInfo(registry: Registry, version: string): void {
  new Gauge({
    name: 'sensors_build_info',
    help: 'Always 1; the labels say which version runs, on which Node.js.',
    labelNames: ['version', 'nodejs'],
    registers: [registry],
  }).set({ version, nodejs: process.version }, 1);
}
