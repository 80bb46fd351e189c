// The product publisher fed from a source other than its generator, as one process the
// benchmark can start, time and wait for, like any other publisher:
//   --source file: writes the readings to an NDJSON file, then runs `--source file --file <it>`;
//   --source mqtt: starts a Mosquitto of its own (on a free port, in a temporary folder, with the
//     settings of --mosquitto-config but no queue limit; or uses --mqtt-url), runs `--source mqtt`
//     against it, publishes the readings there from --sensors clients at QoS 1, one reading per
//     message, waits until the publisher has had them all confirmed by RabbitMQ, then stops it
//     with SIGTERM (and removes its session from a broker given by --mqtt-url).
// Usage: node source-publisher.js --publisher <main.js> --source file|mqtt --count N [--rate R] [--seed S]
//   [--mqtt-url mqtt://host:port | --mosquitto-config <mosquitto.conf>] [--sensors 10]
// A broker's default queue for an absent or slow subscriber (1000 messages) drops readings
// under a throughput run, hence a broker of its own unless told otherwise.
// Every variable of its environment goes to the publisher (SENSORS_AMQP_URL, SENSORS_QUEUE, …);
// the publisher's output is copied to this process's at the end.
import { generateSensorReadings } from '@sensors/sensor-generator';
import { AppProcess, readMetric, startMosquitto, waitFor } from '@sensors/testing';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { connectAsync, type MqttClient } from 'mqtt';

/** MQTT messages a sensor may have sent and the broker not yet acknowledged. */
const SENSOR_WINDOW = 100;
const STOP_TIMEOUT_MS = 30_000;
/** Settings of the shipped configuration that a broker of this run's own sets itself. */
const OWN_SETTINGS =
  /^(listener|persistence|persistence_location|allow_anonymous|user|max_queued_messages|max_queued_bytes)\s/;

const { values } = parseArgs({
  options: {
    publisher: { type: 'string' },
    source: { type: 'string' },
    count: { type: 'string' },
    rate: { type: 'string', default: '0' },
    seed: { type: 'string' },
    'mqtt-url': { type: 'string' },
    'mosquitto-config': { type: 'string' },
    sensors: { type: 'string', default: '10' },
  },
});
const count = Number(values.count);
const readings = () => generateSensorReadings({ count, rate: Number(values.rate), seed: values.seed });
const workDir = mkdtempSync(join(tmpdir(), 'sensors-bench-source-'));
/** What to stop on the way out, last first (also on SIGTERM from the benchmark). */
const cleanups: (() => Promise<unknown>)[] = [];

function startPublisher(args: string[]): AppProcess {
  const publisher = new AppProcess({
    main: values.publisher as string,
    label: 'publisher',
    args,
    env: {},
    logFile: join(workDir, 'publisher.log'),
  });
  cleanups.push(async () => {
    await publisher.stop(STOP_TIMEOUT_MS);
    process.stdout.write(readFileSync(join(workDir, 'publisher.log')));
  });
  return publisher;
}

async function fromFile(): Promise<number | string> {
  const file = join(workDir, 'readings.ndjson');
  const out = createWriteStream(file);
  for await (const reading of readings()) {
    if (!out.write(`${JSON.stringify(reading)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
  return startPublisher(['--source', 'file', '--file', file]).exited;
}

/** A Mosquitto of this run's own, with the shipped settings but no queue limit; returns its URL. */
async function startOwnMosquitto(): Promise<string> {
  const shipped = values['mosquitto-config'] ? readFileSync(values['mosquitto-config'], 'utf8').split('\n') : [];
  // No queue limit: sensors sending as fast as they can outrun the publisher by more than a
  // site's queue holds, and the readings Mosquitto dropped would never arrive.
  const broker = await startMosquitto({
    persistence: true,
    config: [
      'max_queued_messages 0',
      ...shipped.filter((line) => line.trim() && !line.startsWith('#') && !OWN_SETTINGS.test(line)),
    ],
  });
  cleanups.push(() => broker.stop());
  return broker.url;
}

async function fromMqtt(): Promise<number | string> {
  const url = values['mqtt-url'] ?? (await startOwnMosquitto());
  const run = randomBytes(4).toString('hex');
  const topic = `sensors-bench/${run}`;
  const clientId = `sensors-bench-${run}`;
  const publisher = startPublisher([
    '--source',
    'mqtt',
    '--mqtt-url',
    url,
    '--mqtt-topic',
    `${topic}/#`,
    '--mqtt-client-id',
    clientId,
  ]);
  await waitFor(
    'the publisher to subscribe',
    () => {
      if (!publisher.running) throw new Error(`the publisher exited (${String(publisher.exitResult)})`);
      return publisher.lines('mqtt subscribed').length > 0;
    },
    { timeoutMs: 60_000 },
  );
  const sensors: MqttClient[] = [];
  try {
    for (let s = 0; s < Number(values.sensors); s++) {
      sensors.push(await connectAsync(url, { protocolVersion: 5, clean: true }));
    }
    const pending = sensors.map(() => new Set<Promise<unknown>>());
    let i = 0;
    for await (const reading of readings()) {
      const s = i++ % sensors.length;
      const sent = sensors[s].publishAsync(`${topic}/${s}`, JSON.stringify(reading), { qos: 1 });
      pending[s].add(sent);
      void sent.finally(() => pending[s].delete(sent));
      if (pending[s].size >= SENSOR_WINDOW) await Promise.race(pending[s]);
    }
    await Promise.all(pending.flatMap((set) => [...set]));
    while (((await readMetric(publisher, 'sensors_readings_confirmed_total')) ?? 0) < count) await delay(100);
  } finally {
    await Promise.all(sensors.map((client) => client.endAsync()));
  }
  await publisher.stop(STOP_TIMEOUT_MS);
  if (values['mqtt-url']) {
    // A clean start under the same id removes the session the publisher left in the broker.
    const sweeper = await connectAsync(url, { clientId, clean: true, protocolVersion: 5 });
    await sweeper.endAsync();
  }
  return publisher.exited;
}

/** Long enough for the benchmark's /proc samples (every 100 ms) to see the children reaped. */
const LINGER_MS = 300;

async function cleanUp(): Promise<void> {
  for (let step = cleanups.pop(); step; step = cleanups.pop()) await step().catch(() => undefined);
  rmSync(workDir, { recursive: true, force: true });
  // This process's CPU counts with its reaped children (the publisher, Mosquitto): the
  // benchmark's last sample of it must come after they are reaped, or it sees only its own.
  await delay(LINGER_MS);
}

async function main(): Promise<void> {
  const sources = { file: fromFile, mqtt: fromMqtt };
  const source = values.source;
  if (!values.publisher || (source !== 'file' && source !== 'mqtt') || !(count > 0)) {
    console.error(
      'usage: source-publisher.js --publisher <main.js> --source file|mqtt --count N [--rate R] [--seed S]',
    );
    process.exitCode = 2;
    return;
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void cleanUp().finally(() => process.exit(143)));
  }
  try {
    process.exitCode = (await sources[source]()) === 0 ? 0 : 1;
  } finally {
    await cleanUp();
  }
}

void main();
