import type { AppProcess } from './app-process';
import { waitFor } from './wait';

/**
 * The port an app serves `/metrics` on: the `metricsPort` of its first log line that carries one
 * (the apps log it at start-up, also with `--metrics-port 0`). Waits up to 30 s for that line.
 */
export function metricsPortOf(app: AppProcess): Promise<number> {
  return waitFor(`the metrics port of the ${app.label}`, () => {
    const line = app.logs.find((logged) => typeof logged['metricsPort'] === 'number');
    return line?.['metricsPort'] as number | undefined;
  });
}

/**
 * The Prometheus text an app's `/metrics` answers; `target` is the app (see
 * {@link metricsPortOf}) or the port itself. Throws when the scrape fails or answers other than
 * 200, e.g. once the app has exited; gives up after `timeoutMs` (default 10 s).
 */
export async function scrapeMetrics(target: AppProcess | number, { timeoutMs = 10_000 } = {}): Promise<string> {
  const port = typeof target === 'number' ? target : await metricsPortOf(target);
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`GET /metrics on port ${port} answered ${response.status}`);
  return response.text();
}

/**
 * The sum of the samples of metric `name` in Prometheus text whose labels include `labels` (all
 * of its samples when none are given), or undefined when it has none.
 *
 * @example
 * sumSamples('x_total{cause="a"} 2\nx_total{cause="b"} 3\n', 'x_total'); // 5
 */
export function sumSamples(
  text: string,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!sample || sample[1] !== name) continue;
    const found = new Map([...(sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([label, value]) => found.get(label) === value)) {
      sum = (sum ?? 0) + Number(sample[3]);
    }
  }
  return sum;
}

/**
 * Scrapes an app's `/metrics` ({@link scrapeMetrics}) and returns {@link sumSamples} of metric
 * `name` with `labels`.
 *
 * @example
 * await readMetric(consumer, 'sensors_reconnects_total', { target: 'broker' }); // 2 after two cuts
 */
export async function readMetric(
  app: AppProcess,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<number | undefined> {
  return sumSamples(await scrapeMetrics(app), name, labels);
}
