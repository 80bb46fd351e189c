// Load test of the publisher's HTTP source from a second process on loopback, bounded in
// requests and in time: prints requests/s, readings/s (confirmed by the broker), status counts
// and request latencies.
//
//   npx nx build publisher && node tools/bench/http-load.mjs            # starts its own publisher
//   node tools/bench/http-load.mjs --url http://127.0.0.1:8080/readings --token "$TOKEN"
//   node tools/bench/http-load.mjs --help
//
// Without --url it starts `node dist/apps/publisher/main.js --source http` on a free port with a
// queue and exchange of its own (nothing consumes them), stops it with SIGTERM at the end and
// deletes what it declared. It stops only the process it started.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connect } from 'amqplib';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const { values: flags } = parseArgs({
  options: {
    url: { type: 'string' },
    token: { type: 'string', default: process.env.HTTP_TOKEN },
    requests: { type: 'string', default: '2000' },
    'duration-s': { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '16' },
    batch: { type: 'string', default: '100' },
    format: { type: 'string', default: 'json' },
    'amqp-url': { type: 'string', default: process.env.SENSORS_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (flags.help) {
  console.log(`Usage: node tools/bench/http-load.mjs [options]

  --url <url>          POST /readings endpoint to load (default: start a publisher of its own)
  --token <token>      bearer token to send (env HTTP_TOKEN)
  --requests <n>       requests in all, at most (default 2000)
  --duration-s <s>     seconds, at most; the requests in flight then finish (default 30)
  --concurrency <n>    requests in flight at once (default 16)
  --batch <n>          readings per request (default 100; 1 sends a single JSON object)
  --format <f>         json (an array) or ndjson (default json)
  --amqp-url <url>     broker of the publisher it starts (env SENSORS_AMQP_URL)
  --json               print the result as one JSON line`);
  process.exit(0);
}

const requests = positive('requests');
const durationMs = positive('duration-s') * 1000;
const concurrency = positive('concurrency');
const batch = positive('batch');
if (!['json', 'ndjson'].includes(flags.format)) fail('--format must be json or ndjson');

function positive(name) {
  const value = Number(flags[name]);
  if (!Number.isInteger(value) || value < 1) fail(`--${name} must be a whole number of at least 1`);
  return value;
}

function fail(message) {
  console.error(`http-load: ${message}`);
  process.exit(2);
}

const run = randomBytes(4).toString('hex');

function body(requestIndex) {
  const time = new Date().toISOString().slice(0, 23);
  const readings = Array.from({ length: batch }, (_, i) => ({
    id: `load-${run}-${requestIndex}-${i}`,
    type: 'Sensor',
    content: { temperature_f: Math.round(Math.random() * 10_000) / 100 + 20, time_of_measurement: time },
  }));
  if (flags.format === 'ndjson') return readings.map((r) => JSON.stringify(r)).join('\n');
  return JSON.stringify(batch === 1 ? readings[0] : readings);
}

/** Starts a publisher with the HTTP source on a free port; resolves once the broker is connected. */
async function startPublisher() {
  const queue = `http_load_${run}`;
  const exchange = `http_load_${run}`;
  const child = spawn(
    process.execPath,
    [join(root, 'dist/apps/publisher/main.js'), '--source', 'http', '--http-port', '0'],
    {
      cwd: root,
      env: {
        ...process.env,
        SENSORS_AMQP_URL: flags['amqp-url'],
        SENSORS_QUEUE: queue,
        SENSORS_EXCHANGE: exchange,
        SENSORS_METRICS_PORT: '0',
        SENSORS_PROGRESS_INTERVAL_MS: '0',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = [];
  let partial = '';
  const seen = new Promise((resolve, reject) => {
    let port;
    child.on('exit', (code) => reject(new Error(`the publisher exited with ${code} before it was ready`)));
    child.stdout.on('data', (chunk) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop();
      for (const text of parts) {
        let line;
        try {
          line = JSON.parse(text);
        } catch {
          continue;
        }
        lines.push(line);
        if (line.msg === 'publisher started') port = line.httpPort;
        if (line.msg === 'broker connected' && port) resolve(port);
      }
    });
  });
  const timeout = setTimeout(() => child.kill('SIGTERM'), 30_000);
  const port = await seen.finally(() => clearTimeout(timeout));
  return {
    url: `http://127.0.0.1:${port}/readings`,
    lines,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const [code] =
        child.exitCode === null && child.signalCode === null ? await once(child, 'exit') : [child.exitCode];
      const connection = await connect(flags['amqp-url']);
      try {
        const channel = await connection.createChannel();
        for (const name of [queue, `${queue}.dead-letter`]) await channel.deleteQueue(name);
        for (const name of [exchange, `${queue}.dead-letter`]) await channel.deleteExchange(name);
      } finally {
        await connection.close();
      }
      return code;
    },
  };
}

function percentile(sorted, p) {
  return sorted.length === 0 ? undefined : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function load(url) {
  const headers = {
    'content-type': flags.format === 'ndjson' ? 'application/x-ndjson' : 'application/json',
    ...(flags.token ? { authorization: `Bearer ${flags.token}` } : {}),
  };
  const statuses = {};
  const latencies = [];
  let next = 0;
  let accepted = 0;
  const startedAt = performance.now();
  const deadline = startedAt + durationMs;
  async function worker() {
    while (next < requests && performance.now() < deadline) {
      const payload = body(next++);
      const sentAt = performance.now();
      let status;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers,
          body: payload,
          signal: AbortSignal.timeout(60_000),
        });
        status = String(response.status);
        const answer = await response.json().catch(() => ({}));
        accepted += Array.isArray(answer.accepted) ? answer.accepted.length : 0;
      } catch (err) {
        status = err?.cause?.code ?? err?.name ?? 'error';
      }
      latencies.push(performance.now() - sentAt);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - startedAt) / 1000;
  latencies.sort((a, b) => a - b);
  const done = latencies.length;
  return {
    requests: done,
    seconds: Number(seconds.toFixed(2)),
    requestsPerSecond: Math.round(done / seconds),
    readingsPerSecond: Math.round(accepted / seconds),
    readingsAccepted: accepted,
    batch,
    concurrency,
    format: flags.format,
    statuses,
    latencyMs: {
      p50: Number(percentile(latencies, 50)?.toFixed(1)),
      p99: Number(percentile(latencies, 99)?.toFixed(1)),
      max: Number(latencies.at(-1)?.toFixed(1)),
    },
  };
}

const publisher = flags.url ? undefined : await startPublisher();
let result;
try {
  result = await load(flags.url ?? publisher.url);
} finally {
  const code = await publisher?.stop();
  if (publisher && code !== 0) console.error(`http-load: the publisher exited with ${code}`);
}
if (flags.json) {
  console.log(JSON.stringify(result));
} else {
  console.log(`${result.requests} requests of ${batch} reading(s) in ${result.seconds} s, ${concurrency} at a time`);
  console.log(`requests/s: ${result.requestsPerSecond}`);
  console.log(`readings/s: ${result.readingsPerSecond} (confirmed by the broker: ${result.readingsAccepted})`);
  console.log(`statuses:   ${JSON.stringify(result.statuses)}`);
  console.log(`latency ms: p50 ${result.latencyMs.p50}, p99 ${result.latencyMs.p99}, max ${result.latencyMs.max}`);
}
process.exitCode = Object.keys(result.statuses).every((status) => status === '202') ? 0 : 1;
