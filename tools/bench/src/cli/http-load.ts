// Load test of the publisher's HTTP source from a second process on loopback, bounded in
// requests and in time: prints requests/s, readings/s (confirmed by the broker), status counts
// and request latencies.
//
//   npx nx build publisher && npx nx run bench:http-load               # starts its own publisher
//   npx nx run bench:http-load -- --url http://127.0.0.1:8080/readings --token "$TOKEN"
//   npx nx run bench:http-load -- --help
//
// Without --url it starts `node dist/apps/publisher/main.js --source http` on a free port with a
// queue and exchange of its own (nothing consumes them), stops it with SIGTERM at the end and
// deletes what it declared. It stops only the process it started.
import { AppProcess, deleteBrokerObjects, uniqueName, waitFor } from '@sensors/testing';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { brokerAt } from '../bench-services';

const root = resolve(__dirname, '../../../..');
const { values: flags } = parseArgs({
  options: {
    url: { type: 'string' },
    token: { type: 'string', default: process.env['HTTP_TOKEN'] },
    requests: { type: 'string', default: '2000' },
    'duration-s': { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '16' },
    batch: { type: 'string', default: '100' },
    format: { type: 'string', default: 'json' },
    'amqp-url': { type: 'string', default: process.env['SENSORS_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

const USAGE = `Usage: npx nx run bench:http-load -- [options]

  --url <url>          POST /readings endpoint to load (default: start a publisher of its own)
  --token <token>      bearer token to send (env HTTP_TOKEN)
  --requests <n>       requests in all, at most (default 2000)
  --duration-s <s>     seconds, at most; the requests in flight then finish (default 30)
  --concurrency <n>    requests in flight at once (default 16)
  --batch <n>          readings per request (default 100; 1 sends a single JSON object)
  --format <f>         json (an array) or ndjson (default json)
  --amqp-url <url>     broker of the publisher it starts (env SENSORS_AMQP_URL)
  --json               print the result as one JSON line`;

function fail(message: string): never {
  console.error(`http-load: ${message}`);
  process.exit(2);
}

function positive(name: 'requests' | 'duration-s' | 'concurrency' | 'batch'): number {
  const value = Number(flags[name]);
  if (!Number.isInteger(value) || value < 1) fail(`--${name} must be a whole number of at least 1`);
  return value;
}

const run = uniqueName('http_load');

function body(requestIndex: number, batch: number, format: string): string {
  const time = new Date().toISOString().slice(0, 23);
  const readings = Array.from({ length: batch }, (_, i) => ({
    id: `load-${run}-${requestIndex}-${i}`,
    type: 'Sensor',
    content: { temperature_f: Math.round(Math.random() * 10_000) / 100 + 20, time_of_measurement: time },
  }));
  if (format === 'ndjson') return readings.map((r) => JSON.stringify(r)).join('\n');
  return JSON.stringify(batch === 1 ? readings[0] : readings);
}

/** A publisher with the HTTP source on a free port, once the broker is connected. */
async function startPublisher(amqpUrl: string): Promise<{ url: string; stop: () => Promise<number | string> }> {
  const [queue, exchange] = [run, run];
  const publisher = new AppProcess({
    main: join(root, 'dist/apps/publisher/main.js'),
    label: 'publisher',
    args: ['--source', 'http', '--http-port', '0'],
    env: {
      SENSORS_AMQP_URL: amqpUrl,
      SENSORS_QUEUE: queue,
      SENSORS_EXCHANGE: exchange,
      SENSORS_METRICS_PORT: '0',
      SENSORS_PROGRESS_INTERVAL_MS: '0',
    },
    logFile: join(root, 'tmp/http-load', `${run}.ndjson`),
  });
  const stop = async () => {
    const code = await publisher.stop();
    await deleteBrokerObjects(
      { queues: [queue, `${queue}.dead-letter`], exchanges: [exchange, `${queue}.dead-letter`] },
      brokerAt(amqpUrl),
    );
    return code;
  };
  try {
    const port = await waitFor(
      'the publisher to connect to the broker',
      () => {
        if (!publisher.running)
          throw new Error(`the publisher exited with ${String(publisher.exitResult)} before it was ready`);
        const started = publisher.lines('publisher started')[0];
        return publisher.lines('broker connected').length > 0 && started?.['httpPort'];
      },
      { timeoutMs: 30_000 },
    );
    return { url: `http://127.0.0.1:${String(port)}/readings`, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

function percentile(sorted: readonly number[], p: number): number | undefined {
  return sorted.length === 0 ? undefined : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface LoadOptions {
  requests: number;
  durationMs: number;
  concurrency: number;
  batch: number;
  format: string;
  token: string | undefined;
}

async function load(url: string, { requests, durationMs, concurrency, batch, format, token }: LoadOptions) {
  const headers = {
    'content-type': format === 'ndjson' ? 'application/x-ndjson' : 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  let next = 0;
  let accepted = 0;
  const startedAt = performance.now();
  const deadline = startedAt + durationMs;
  async function worker(): Promise<void> {
    while (next < requests && performance.now() < deadline) {
      const payload = body(next++, batch, format);
      const sentAt = performance.now();
      let status: string;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers,
          body: payload,
          signal: AbortSignal.timeout(60_000),
        });
        status = String(response.status);
        const answer = (await response.json().catch(() => ({}))) as { accepted?: unknown };
        accepted += Array.isArray(answer.accepted) ? answer.accepted.length : 0;
      } catch (err) {
        const failure = err as { cause?: { code?: string }; name?: string };
        status = failure.cause?.code ?? failure.name ?? 'error';
      }
      latencies.push(performance.now() - sentAt);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - startedAt) / 1000;
  latencies.sort((a, b) => a - b);
  const done = latencies.length;
  const ms = (value: number | undefined) => Number(value?.toFixed(1));
  return {
    requests: done,
    seconds: Number(seconds.toFixed(2)),
    requestsPerSecond: Math.round(done / seconds),
    readingsPerSecond: Math.round(accepted / seconds),
    readingsAccepted: accepted,
    batch,
    concurrency,
    format,
    statuses,
    latencyMs: { p50: ms(percentile(latencies, 50)), p99: ms(percentile(latencies, 99)), max: ms(latencies.at(-1)) },
  };
}

async function main(): Promise<void> {
  if (flags.help) {
    console.log(USAGE);
    return;
  }
  const options: LoadOptions = {
    requests: positive('requests'),
    durationMs: positive('duration-s') * 1000,
    concurrency: positive('concurrency'),
    batch: positive('batch'),
    format: flags.format,
    token: flags.token,
  };
  if (!['json', 'ndjson'].includes(options.format)) fail('--format must be json or ndjson');
  const publisher = flags.url ? undefined : await startPublisher(flags['amqp-url']);
  let result: Awaited<ReturnType<typeof load>>;
  try {
    result = await load(flags.url ?? (publisher as { url: string }).url, options);
  } finally {
    const code = await publisher?.stop();
    if (publisher && code !== 0) console.error(`http-load: the publisher exited with ${String(code)}`);
  }
  if (flags.json) {
    console.log(JSON.stringify(result));
  } else {
    console.log(
      `${result.requests} requests of ${options.batch} reading(s) in ${result.seconds} s, ${options.concurrency} at a time`,
    );
    console.log(`requests/s: ${result.requestsPerSecond}`);
    console.log(`readings/s: ${result.readingsPerSecond} (confirmed by the broker: ${result.readingsAccepted})`);
    console.log(`statuses:   ${JSON.stringify(result.statuses)}`);
    console.log(`latency ms: p50 ${result.latencyMs.p50}, p99 ${result.latencyMs.p99}, max ${result.latencyMs.max}`);
  }
  process.exitCode = Object.keys(result.statuses).every((status) => status === '202') ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
