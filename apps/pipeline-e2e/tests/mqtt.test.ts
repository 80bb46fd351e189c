import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { DEAD_LETTER_HEADERS } from '@sensors/sensor-model';
import { closeBrokerConnections, startApp, takeMessages, waitFor, type AppProcess } from '@sensors/testing';
import { mqttSourceArgs, readingAt } from './mqtt-fixture';
import { createPipeline, type Pipeline } from './pipeline-fixture';

const mqttUrl = process.env['TEST_MQTT_URL'] ?? 'mqtt://127.0.0.1:1883';
const run = randomBytes(4).toString('hex');
let pipeline: Pipeline;
const started: AppProcess[] = [];
const sensors: MqttClient[] = [];
const sessions: string[] = [];

/** A publisher on `sensors-<run>-<name>/#` under its own persistent session. */
async function mqttPublisher(name: string, extraArgs: string[] = []): Promise<AppProcess> {
  const clientId = `sensors-e2e-${run}-${name}`;
  if (!sessions.includes(clientId)) sessions.push(clientId);
  const app = startApp(
    'publisher',
    [...mqttSourceArgs({ url: mqttUrl, topic: `sensors-${run}-${name}`, clientId }), ...extraArgs],
    pipeline.env,
  );
  started.push(app);
  await waitFor('the MQTT subscription', () => app.logs.some((l) => l['msg'] === 'mqtt subscribed'));
  return app;
}

async function sensor(): Promise<MqttClient> {
  const client = await mqtt.connectAsync(mqttUrl, { protocolVersion: 5, clean: true });
  sensors.push(client);
  return client;
}

/**
 * Publishes readings at QoS 1, `perMessage` to a message (1: a bare reading, else an array).
 * Mosquitto queues at most 1000 messages for a session by default (`max_queued_messages`) and
 * drops the rest, so large streams go in arrays to stay under it on the machine's broker.
 */
async function publishReadings(
  client: MqttClient,
  topic: string,
  readings: ReturnType<typeof readingAt>[],
  perMessage = 1,
): Promise<void> {
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < readings.length; i += perMessage) {
    const payload = perMessage === 1 ? readings[i] : readings.slice(i, i + perMessage);
    sends.push(client.publishAsync(topic, JSON.stringify(payload), { qos: 1 }));
    if (sends.length >= 200) await Promise.all(sends.splice(0));
  }
  await Promise.all(sends);
}

/** Publishes one message per line with the Mosquitto client, at QoS 1. */
async function mosquittoPub(topic: string, lines: string[]): Promise<void> {
  const { hostname, port } = new URL(mqttUrl);
  const child = spawn('mosquitto_pub', ['-h', hostname, '-p', port || '1883', '-q', '1', '-t', topic, '-l'], {
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  child.stdin.end(lines.join('\n') + '\n');
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code).toBe(0);
}

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

async function waitForStored(prefix: string, expected: number): Promise<void> {
  await waitFor(`${expected} rows of ${prefix}`, async () => (await pipeline.countStored(prefix)).rows >= expected, {
    timeoutMs: 150_000,
  });
}

beforeAll(async () => {
  pipeline = await createPipeline();
  await pipeline.startConsumer();
});

afterAll(async () => {
  await Promise.all(sensors.map((client) => client.endAsync()));
  await Promise.all(started.map((app) => app.stop()));
  // Connecting with a clean start removes each persistent session this file left in Mosquitto.
  for (const clientId of sessions) {
    const client = await mqtt.connectAsync(mqttUrl, { clientId, clean: true, protocolVersion: 5 });
    await client.endAsync();
  }
  await pipeline.teardown();
});

describe('the MQTT source', () => {
  it('stores 50,000 readings from several sensors exactly once, mosquitto_pub among them', async () => {
    const prefix = `${run}-bulk-`;
    await mqttPublisher('bulk');
    const perSensor = 10_000;
    const batches = Array.from({ length: 5 }, (_, s) =>
      Array.from({ length: perSensor }, (_, i) => readingAt(`${prefix}${s}-${i}`, i)),
    );
    const clients = await Promise.all(batches.slice(0, 4).map(() => sensor()));
    await Promise.all([
      ...clients.map((client, s) => publishReadings(client, `sensors-${run}-bulk/${s}`, batches[s], 100)),
      mosquittoPub(
        `sensors-${run}-bulk/4`,
        chunks(batches[4], 100).map((chunk) => JSON.stringify({ readings: chunk })),
      ),
    ]);
    await waitForStored(prefix, 5 * perSensor);
    expect(await pipeline.countStored(prefix)).toEqual({ rows: 5 * perSensor, ids: 5 * perSensor });
  });

  it('acknowledges and dead-letters bad payloads, with the topic in the reason, while good ones flow', async () => {
    const prefix = `${run}-bad-`;
    await mqttPublisher('bad', ['--on-invalid', 'dead-letter']);
    const client = await sensor();
    const topic = `sensors-${run}-bad/kitchen`;
    const bad = [
      'not json',
      JSON.stringify({ id: `${prefix}wrong`, type: 'Sensor', content: { temperature_f: 'warm' } }),
      JSON.stringify({ padding: 'x'.repeat(1024 * 1024) }),
      '['.repeat(200_000) + ']'.repeat(200_000),
    ];
    for (let i = 0; i < 100; i++) {
      await client.publishAsync(topic, JSON.stringify(readingAt(`${prefix}${i}`, i)), { qos: 1 });
      if (i % 25 === 0) await client.publishAsync(topic, bad[i / 25], { qos: 1 });
    }
    await waitForStored(prefix, 100);
    const deadLetterQueue = `${pipeline.queue}.dead-letter`;
    const reasons: string[] = [];
    await waitFor('4 dead letters', async () => {
      for (const m of await takeMessages(deadLetterQueue)) {
        reasons.push(String(m.properties.headers?.[DEAD_LETTER_HEADERS.message]));
      }
      return reasons.length >= 4;
    });
    expect(reasons).toHaveLength(4);
    for (const reason of reasons) expect(reason).toContain(topic);
    expect(await pipeline.countStored(prefix)).toEqual({ rows: 100, ids: 100 });
  });

  it('stores every reading exactly once when the publisher is SIGKILLed mid-stream and restarted', async () => {
    const prefix = `${run}-kill-`;
    const first = await mqttPublisher('kill');
    const client = await sensor();
    const readings = Array.from({ length: 20_000 }, (_, i) => readingAt(`${prefix}${i}`, i));
    const sending = publishReadings(client, `sensors-${run}-kill/s`, readings, 50);
    await waitFor('some readings stored', async () => (await pipeline.countStored(prefix)).rows >= 2_000, {
      timeoutMs: 60_000,
    });
    first.child.kill('SIGKILL');
    await first.exited;
    await sending;
    await mqttPublisher('kill');
    await waitForStored(prefix, readings.length);
    expect(await pipeline.countStored(prefix)).toEqual({ rows: readings.length, ids: readings.length });
  });

  it("stores every reading exactly once when RabbitMQ closes the publisher's connection mid-stream", async () => {
    const prefix = `${run}-amqp-`;
    await mqttPublisher('amqp');
    const client = await sensor();
    const readings = Array.from({ length: 20_000 }, (_, i) => readingAt(`${prefix}${i}`, i));
    const sending = publishReadings(client, `sensors-${run}-amqp/s`, readings, 50);
    await waitFor('some readings stored', async () => (await pipeline.countStored(prefix)).rows >= 2_000, {
      timeoutMs: 60_000,
    });
    expect(await closeBrokerConnections(`sensors-publisher:${pipeline.queue}`)).toBeGreaterThan(0);
    await sending;
    await waitForStored(prefix, readings.length);
    expect(await pipeline.countStored(prefix)).toEqual({ rows: readings.length, ids: readings.length });
  });
});
