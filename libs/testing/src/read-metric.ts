import type { AppProcess } from './app-process';
import { waitFor } from './wait';

/**
 * Scrapes an app's `/metrics` and returns the sum of the samples of metric `name` whose labels
 * include `labels` (all of its samples when none are given), or undefined when it has none. The
 * port is the `metricsPort` of the app's first log line that carries one (the apps log it at
 * start-up, also with `--metrics-port 0`); waits up to 30 s for that line. Throws when the
 * scrape fails, e.g. once the app has exited.
 *
 * @example
 * await readMetric(consumer, 'sensors_reconnects_total', { target: 'broker' }); // 2 after two cuts
 */
export async function readMetric(
  app: AppProcess,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<number | undefined> {
  const port = await waitFor(`the metrics port of the ${app.label}`, () => {
    const line = app.logs.find((logged) => typeof logged['metricsPort'] === 'number');
    return line?.['metricsPort'] as number | undefined;
  });
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics of the ${app.label} answered ${response.status}`);
  let sum: number | undefined;
  for (const line of (await response.text()).split('\n')) {
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!sample || sample[1] !== name) continue;
    const found = new Map([...(sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([label, value]) => found.get(label) === value)) {
      sum = (sum ?? 0) + Number(sample[3]);
    }
  }
  return sum;
}
