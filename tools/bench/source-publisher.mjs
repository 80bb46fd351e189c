// The product publisher fed from a source other than its generator, as one process the
// benchmark can start, time and wait for, like any other publisher:
//   --source file: writes the readings to an NDJSON file, then runs `--source file --file <it>`;
//   --source mqtt: starts a Mosquitto of its own (on a free port, in a temporary folder, with the
//     settings of tools/mosquitto/mosquitto.conf but no queue limit; or uses --mqtt-url), runs `--source mqtt`
//     against it, publishes the readings there from --sensors clients at QoS 1, one reading per
//     message, waits until the publisher has had them all confirmed by RabbitMQ, then stops it
//     with SIGTERM (and removes its session from a broker given by --mqtt-url).
// Usage: node source-publisher.mjs --publisher <main.js> --source file|mqtt --count N [--rate R] [--seed S]
//   [--mqtt-url mqtt://host:port] [--sensors 10]
// A broker's default queue for an absent or slow subscriber (1000 messages) drops readings
// under a throughput run, hence a broker of its own unless told otherwise.
// Every variable of its environment goes to the publisher (SENSORS_AMQP_URL, SENSORS_QUEUE, …);
// SENSOR_GENERATOR names the generator build, as for the reference publishers.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { generateSensorReadings } from './reference/reference-config.mjs';

/** MQTT messages a sensor may have sent and the broker not yet acknowledged. */
const SENSOR_WINDOW = 100;
const STOP_TIMEOUT_MS = 30_000;

const { values } = parseArgs({
  options: {
    publisher: { type: 'string' },
    source: { type: 'string' },
    count: { type: 'string' },
    rate: { type: 'string', default: '0' },
    seed: { type: 'string' },
    'mqtt-url': { type: 'string' },
    sensors: { type: 'string', default: '10' },
  },
});
const count = Number(values.count);
const rate = Number(values.rate);
const readings = () => generateSensorReadings({ count, rate, seed: values.seed });
/** What to stop on the way out, last first (also on SIGTERM from the benchmark). */
const cleanups = [];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the product publisher; its output goes to ours, its log lines to `onLine`. */
function startPublisher(args, onLine = () => undefined) {
  const child = spawn(process.execPath, [values.publisher, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  createInterface({ input: child.stdout }).on('line', (line) => {
    process.stdout.write(`${line}\n`);
    try {
      onLine(JSON.parse(line));
    } catch {
      // not a log line
    }
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  cleanups.push(() => stopChild(child, exited));
  return { child, exited };
}

async function stopChild(child, exited) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function listening(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A Mosquitto of this run's own, with the settings docker-compose gives it; returns its URL. */
async function startMosquitto() {
  const dir = mkdtempSync(join(tmpdir(), 'sensors-bench-mosquitto-'));
  const port = await freePort();
  const shipped = readFileSync(new URL('../mosquitto/mosquitto.conf', import.meta.url), 'utf8')
    .split('\n')
    .filter(
      (line) =>
        line.trim() &&
        !line.startsWith('#') &&
        !/^(listener|persistence_location|allow_anonymous|max_queued_messages|max_queued_bytes)\s/.test(line),
    );
  const config = join(dir, 'mosquitto.conf');
  // `user root`: run as root, Mosquitto would switch to a user that may not write to the folder.
  // No queue limit: sensors sending as fast as they can outrun the publisher by more than a
  // site's queue holds, and the readings Mosquitto dropped would never arrive.
  writeFileSync(
    config,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'user root',
      `persistence_location ${dir}/`,
      'max_queued_messages 0',
      ...shipped,
      '',
    ].join('\n'),
  );
  const child = spawn(process.env.MOSQUITTO ?? 'mosquitto', ['-c', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  cleanups.push(async () => {
    await stopChild(child, exited);
    rmSync(dir, { recursive: true, force: true });
  });
  for (let tries = 0; !(await listening(port)); tries++) {
    if (tries > 100 || child.exitCode !== null) throw new Error('mosquitto did not start');
    await sleep(100);
  }
  return `mqtt://127.0.0.1:${port}`;
}

async function fromFile() {
  const dir = mkdtempSync(join(tmpdir(), 'sensors-bench-file-'));
  try {
    const file = join(dir, 'readings.ndjson');
    const out = createWriteStream(file);
    for await (const reading of readings()) {
      if (!out.write(`${JSON.stringify(reading)}\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'close');
    return await startPublisher(['--source', 'file', '--file', file]).exited;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function confirmedSoFar(metricsPort) {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return Number(/^sensors_readings_confirmed_total (\S+)$/m.exec(text)?.[1] ?? 0);
}

async function fromMqtt() {
  const url = values['mqtt-url'] ?? (await startMosquitto());
  const run = randomBytes(4).toString('hex');
  const topic = `sensors-bench/${run}`;
  const clientId = `sensors-bench-${run}`;
  let metricsPort;
  let subscribed;
  const ready = new Promise((resolve) => (subscribed = resolve));
  const publisher = startPublisher(
    ['--source', 'mqtt', '--mqtt-url', url, '--mqtt-topic', `${topic}/#`, '--mqtt-client-id', clientId],
    (line) => {
      if (line.msg === 'publisher started') metricsPort = line.metricsPort;
      if (line.msg === 'mqtt subscribed') subscribed();
    },
  );
  const sensors = [];
  try {
    await Promise.race([
      ready,
      publisher.exited.then((code) => Promise.reject(new Error(`publisher exited (${code})`))),
    ]);
    for (let s = 0; s < Number(values.sensors); s++) {
      sensors.push(await mqtt.connectAsync(url, { protocolVersion: 5, clean: true }));
    }
    const pending = sensors.map(() => new Set());
    let i = 0;
    for await (const reading of readings()) {
      const s = i++ % sensors.length;
      const sent = sensors[s].publishAsync(`${topic}/${s}`, JSON.stringify(reading), { qos: 1 });
      pending[s].add(sent);
      void sent.finally(() => pending[s].delete(sent));
      if (pending[s].size >= SENSOR_WINDOW) await Promise.race(pending[s]);
    }
    await Promise.all(pending.flatMap((set) => [...set]));
    while ((await confirmedSoFar(metricsPort)) < count) await sleep(100);
  } finally {
    await Promise.all(sensors.map((client) => client.endAsync()));
  }
  await stopChild(publisher.child, publisher.exited);
  if (values['mqtt-url']) {
    // A clean start under the same id removes the session the publisher left in the broker.
    const sweeper = await mqtt.connectAsync(url, { clientId, clean: true, protocolVersion: 5 });
    await sweeper.endAsync();
  }
  return publisher.exited;
}

async function cleanUp() {
  for (const step of cleanups.splice(0).reverse()) await step().catch(() => undefined);
}

const sources = { file: fromFile, mqtt: fromMqtt };
if (!values.publisher || !(values.source in sources) || !(count > 0)) {
  console.error('usage: source-publisher.mjs --publisher <main.js> --source file|mqtt --count N [--rate R] [--seed S]');
  process.exit(2);
}
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(143)));
}
try {
  const result = await sources[values.source]();
  process.exitCode = result === 0 ? 0 : 1;
} finally {
  await cleanUp();
}
