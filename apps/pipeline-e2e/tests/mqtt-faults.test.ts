import { readFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import mqtt, { type MqttClient } from 'mqtt';
import {
  closeBrokerConnections,
  readMetric,
  startApp,
  startMosquitto,
  waitFor,
  type AppProcess,
  type MosquittoBroker,
} from '@sensors/testing';
import { mqttNames, mqttSourceArgs, readingAt } from './mqtt-fixture';
import { createPipeline, type Pipeline } from './pipeline-fixture';

/** Readings per MQTT message, and messages a sensor sends per second. */
const READINGS_PER_MESSAGE = 4;
const MESSAGES_PER_SECOND = 40;
/** Messages a sensor has sent and Mosquitto not yet acknowledged, at most. */
const SENSOR_WINDOW = 20;

const { run, topic, clientId: publisherClientId } = mqttNames('mqttfault');
let pipeline: Pipeline;
let mosquitto: MosquittoBroker;
let proxy: TcpProxy;
const started: AppProcess[] = [];
const sensors: Sensor[] = [];

/**
 * A TCP relay in front of Mosquitto, so that the test can drop every MQTT connection without
 * stopping the broker (Mosquitto has no command for it).
 */
interface TcpProxy {
  url: string;
  /** Destroys every connection open now; returns how many pairs it cut. */
  cut(): number;
  close(): Promise<void>;
}

async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of pair) socket.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const cut = () => {
    const count = pairs.size;
    for (const [client, upstream] of [...pairs]) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
    return count;
  };
  return {
    url: `mqtt://127.0.0.1:${port}`,
    cut,
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A sensor: an MQTT client with a persistent session that publishes arrays of readings at QoS 1
 * until stopped, keeping at most {@link SENSOR_WINDOW} messages unacknowledged. MQTT.js keeps
 * what Mosquitto has not acknowledged and sends it again after a reconnect.
 */
class Sensor {
  /** Ids of the readings Mosquitto acknowledged (PUBACK). */
  readonly accepted: string[] = [];
  readonly failures: Error[] = [];
  readonly #client: MqttClient;
  readonly #pending = new Set<Promise<void>>();
  #stopping = false;
  #running: Promise<void> | undefined;

  constructor(
    readonly name: string,
    url: string,
    protocolVersion: 4 | 5,
  ) {
    this.#client = mqtt.connect(url, {
      clientId: `sensors-${run}-${name}`,
      clean: false,
      protocolVersion,
      reconnectPeriod: 200,
      connectTimeout: 5000,
    });
  }

  start(): void {
    this.#running = this.#publishUntilStopped();
  }

  /** Stops sending and waits until Mosquitto acknowledged (or refused) everything sent. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#running;
    await Promise.all(this.#pending);
  }

  async end(): Promise<void> {
    await this.#client.endAsync(true);
  }

  async #publishUntilStopped(): Promise<void> {
    for (let n = 0; !this.#stopping; n++) {
      const ids = Array.from({ length: READINGS_PER_MESSAGE }, (_, i) => `${run}-${this.name}-${n}-${i}`);
      const payload = JSON.stringify(ids.map((id, i) => readingAt(id, n * READINGS_PER_MESSAGE + i)));
      const sent = this.#client.publishAsync(`${topic}/${this.name}`, payload, { qos: 1 }).then(
        () => void this.accepted.push(...ids),
        (err: Error) => void this.failures.push(err),
      );
      this.#pending.add(sent);
      void sent.finally(() => this.#pending.delete(sent));
      while (this.#pending.size >= SENSOR_WINDOW) await Promise.race(this.#pending);
      await delay(1000 / MESSAGES_PER_SECOND);
    }
  }
}

function acceptedCount(): number {
  return sensors.reduce((sum, sensor) => sum + sensor.accepted.length, 0);
}

const stored = () => pipeline.countStored(`${run}-`);

/** Waits until `more` readings beyond those stored now are stored: the pipeline flows again. */
async function waitForMoreStored(what: string, more = 400): Promise<void> {
  const target = (await stored()).rows + more;
  await waitFor(`${more} more readings stored ${what}`, async () => (await stored()).rows >= target, {
    timeoutMs: 90_000,
  });
}

function startPublisher(): AppProcess {
  const app = startApp(
    'publisher',
    mqttSourceArgs({ url: proxy.url, topic, clientId: publisherClientId }),
    pipeline.env,
  );
  started.push(app);
  return app;
}

function logCount(app: AppProcess, msg: string): number {
  return app.logs.filter((line) => line['msg'] === msg).length;
}

/** The queue limits docker-compose runs Mosquitto with (tools/mosquitto/mosquitto.conf). */
function shippedQueueLimits(): string[] {
  const conf = readFileSync(join(__dirname, '../../../tools/mosquitto/mosquitto.conf'), 'utf8');
  return conf
    .split('\n')
    .filter((line) => /^(max_queued_messages|max_queued_bytes|max_inflight_messages)\s/.test(line));
}

beforeAll(async () => {
  pipeline = await createPipeline();
  await pipeline.startConsumer();
  mosquitto = await startMosquitto({ persistence: true, config: shippedQueueLimits() });
  proxy = await startTcpProxy(mosquitto.port);
});

afterAll(async () => {
  await Promise.all(sensors.map((sensor) => sensor.end()));
  await Promise.all(started.map((app) => app.stop()));
  await proxy?.close();
  await mosquitto?.stop();
  await pipeline?.teardown();
});

describe('the MQTT source under faults', () => {
  it('stores every reading Mosquitto accepted exactly once through a publisher kill, a Mosquitto restart, dropped MQTT connections and closed RabbitMQ connections', async () => {
    let publisher = startPublisher();
    await waitFor('the MQTT subscription', () => logCount(publisher, 'mqtt subscribed') > 0);
    sensors.push(new Sensor('a', proxy.url, 5), new Sensor('b', proxy.url, 5), new Sensor('c', proxy.url, 4));
    for (const sensor of sensors) sensor.start();
    await waitForMoreStored('at first');

    // The publisher is killed while it holds messages it has not acknowledged yet.
    await waitFor(
      'messages in flight',
      async () => ((await readMetric(publisher, 'sensors_mqtt_unacked_messages')) ?? 0) > 0,
      {
        intervalMs: 10,
      },
    );
    publisher.child.kill('SIGKILL');
    await publisher.exited;
    const acceptedWhileDown = acceptedCount() + 400;
    await waitFor('Mosquitto to accept readings for the absent publisher', () => acceptedCount() >= acceptedWhileDown);
    publisher = startPublisher();
    await waitFor('the session resumed', () =>
      publisher.logs.some((line) => line['msg'] === 'mqtt subscribed' && line['sessionPresent'] === true),
    );
    await waitFor(
      'Mosquitto to redeliver what the killed publisher held',
      async () => ((await readMetric(publisher, 'sensors_mqtt_redeliveries_total')) ?? 0) > 0,
    );
    await waitForMoreStored('after the publisher restart');

    // Mosquitto restarts (saving its database on SIGTERM) while the sensors keep trying.
    const disconnects = logCount(publisher, 'mqtt disconnected');
    const subscribed = logCount(publisher, 'mqtt subscribed');
    await mosquitto.kill('SIGTERM');
    await waitFor('the publisher to notice', () => logCount(publisher, 'mqtt disconnected') > disconnects);
    await mosquitto.restart();
    await waitFor('the publisher back on its session', () => logCount(publisher, 'mqtt subscribed') > subscribed);
    await waitForMoreStored('after the Mosquitto restart');

    // Every MQTT connection dropped, twice, the broker staying up.
    for (let cut = 0; cut < 2; cut++) {
      expect(proxy.cut()).toBeGreaterThanOrEqual(sensors.length + 1);
      await waitForMoreStored(`after MQTT connections were dropped (${cut + 1})`);
    }

    // RabbitMQ closes the publisher's connection: what it had not confirmed is not acknowledged.
    expect(await closeBrokerConnections(`sensors-publisher:${pipeline.queue}`)).toBeGreaterThan(0);
    await waitForMoreStored('after the RabbitMQ connection was closed');

    await Promise.all(sensors.map((sensor) => sensor.stop()));
    expect(sensors.flatMap((sensor) => sensor.failures)).toEqual([]);
    const accepted = acceptedCount();
    await waitFor(`${accepted} readings stored`, async () => (await stored()).rows >= accepted, { timeoutMs: 120_000 });
    const ids = sensors.flatMap((sensor) => sensor.accepted);
    const [{ missing }] = await pipeline.db.query<{ missing: string }>(
      `SELECT count(*) AS missing FROM unnest($1::text[]) AS accepted(id)
       WHERE NOT EXISTS (SELECT 1 FROM sensor_readings r WHERE r.id = accepted.id)`,
      [ids],
    );
    expect(Number(missing)).toBe(0);
    expect(await stored()).toEqual({ rows: accepted, ids: accepted });
  }, 400_000);
});
