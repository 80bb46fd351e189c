import mqtt from 'mqtt';
import { startApp, startMosquitto, waitFor, type AppProcess, type MosquittoBroker } from '@sensors/testing';
import { mqttNames, mqttSourceArgs, readingAt } from './mqtt-fixture';
import { createPipeline, type Pipeline } from './pipeline-fixture';

/** Messages Mosquitto holds for the publisher's session when it starts: far more than a stop lets it take. */
const BACKLOG = 30_000;
const SHUTDOWN_TIMEOUT_MS = 30_000;

const { run, topic, clientId } = mqttNames('mqttstop');
let pipeline: Pipeline;
let mosquitto: MosquittoBroker;
const started: AppProcess[] = [];

function startPublisher(): AppProcess {
  const app = startApp(
    'publisher',
    [...mqttSourceArgs({ url: mosquitto.url, topic, clientId }), '--shutdown-timeout-ms', String(SHUTDOWN_TIMEOUT_MS)],
    pipeline.env,
  );
  started.push(app);
  return app;
}

const stored = () => pipeline.countStored(`${run}-`);

beforeAll(async () => {
  pipeline = await createPipeline();
  await pipeline.startConsumer();
  // No queue limit: the whole backlog stays with Mosquitto while the publisher is away.
  mosquitto = await startMosquitto({ config: ['max_queued_messages 0', 'max_inflight_messages 1000'] });
});

afterAll(async () => {
  await Promise.all(started.map((app) => app.stop()));
  await mosquitto?.stop();
  await pipeline?.teardown();
});

describe('stopping the MQTT source', () => {
  it('exits promptly on SIGTERM while Mosquitto holds a backlog, and loses nothing of it', async () => {
    // The session and its subscription exist before the backlog is sent.
    let publisher = startPublisher();
    await waitFor('the MQTT subscription', () => publisher.logs.some((l) => l['msg'] === 'mqtt subscribed'));
    expect(await publisher.stop()).toBe(0);

    const sensor = await mqtt.connectAsync(mosquitto.url, { protocolVersion: 5, clean: true });
    const sends: Promise<unknown>[] = [];
    for (let n = 0; n < BACKLOG; n++) {
      sends.push(sensor.publishAsync(`${topic}/a`, JSON.stringify(readingAt(`${run}-${n}`, n)), { qos: 1 }));
      if (sends.length >= 500) await Promise.all(sends.splice(0));
    }
    await Promise.all(sends);
    await sensor.endAsync();

    // Stopped while working through the backlog.
    publisher = startPublisher();
    await waitFor('readings from the backlog stored', async () => (await stored()).rows > 0, { intervalMs: 20 });
    const signalled = Date.now();
    publisher.signal('SIGTERM');
    expect(await publisher.exited).toBe(0);
    const stopMs = Date.now() - signalled;
    console.log(`stopped in ${stopMs} ms with ${(await stored()).ids} of ${BACKLOG} readings stored`);
    // It stopped taking messages at once: most of the backlog is still with Mosquitto, and it
    // did not need its shutdown timeout (a bound a slow machine keeps; a drain of the backlog would not).
    expect(stopMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    expect((await stored()).ids).toBeLessThan(BACKLOG);
    expect(publisher.logs.some((l) => l['msg'] === 'publisher stopped; every published reading is confirmed')).toBe(
      true,
    );

    // What it left unacknowledged comes again: every reading is stored.
    publisher = startPublisher();
    await waitFor(`${BACKLOG} readings stored`, async () => (await stored()).ids >= BACKLOG, { timeoutMs: 180_000 });
    expect(await publisher.stop()).toBe(0);
    const { ids } = await stored();
    expect(ids).toBe(BACKLOG);
  });
});
