import { setTimeout as delay } from 'node:timers/promises';
import { createSensorSimulator } from '@sensors/sensor-generator';
import {
  countQueueMessages,
  createTestDatabase,
  startApp,
  startRabbitCluster,
  uniqueName,
  waitFor,
  type AppProcess,
  type RabbitCluster,
  type TestDatabase,
} from '@sensors/testing';

// A throwaway 3-node RabbitMQ cluster, a publisher and two consumers attached to different
// nodes, and node losses in the middle of the stream. Asserts what must hold however slow the
// machine: every reading stored exactly once, the queue drained, clean exits.
const total = 20_000;
/** How long a lost node stays down: long enough for the queue to elect a new leader. */
const NODE_DOWN_MS = 3000;
const queue = uniqueName('cluster_readings');
const apps: AppProcess[] = [];
let cluster: RabbitCluster;
let db: TestDatabase;

async function storedCount(): Promise<number> {
  const [row] = await db.query<{ count: string }>('SELECT count(*) FROM sensor_readings');
  return Number(row?.count);
}

beforeAll(async () => {
  [cluster, db] = await Promise.all([startRabbitCluster(3), createTestDatabase('sensors_cluster')]);
}, 300_000);

afterAll(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  await cluster?.stop();
  await db?.drop();
}, 180_000);

describe('the pipeline on a RabbitMQ cluster', () => {
  it('stores every confirmed reading exactly once through a clean leader stop and a node kill', async () => {
    const env = {
      SENSORS_DATABASE_URL: db.url,
      SENSORS_QUEUE: queue,
      SENSORS_QUEUE_REPLICAS: '3',
      SENSORS_PROGRESS_INTERVAL_MS: '0',
      SENSORS_METRICS_PORT: '0',
    };
    const consumers = [2, 3].map((node) =>
      startApp('consumer', [], { ...env, SENSORS_AMQP_URL: cluster.urlsFrom(node) }),
    );
    apps.push(...consumers);
    for (const consumer of consumers) {
      await waitFor('a consumer to start', () => consumer.logs.some((l) => l['msg'] === 'consumer started'), {
        timeoutMs: 120_000,
      });
    }
    const publisher = startApp(
      'publisher',
      ['--count', String(total), '--rate', '800', '--seed', 'cluster', '--sensors', '5'],
      { ...env, SENSORS_AMQP_URL: cluster.urlsFrom(1) },
    );
    apps.push(publisher);

    await waitFor('a first share stored', async () => (await storedCount()) >= 4000, { timeoutMs: 180_000 });
    const replicas = await cluster.replicas(queue);
    expect(replicas.members).toEqual([1, 2, 3]);
    const leader = cluster.nodes[replicas.leader - 1];
    await leader.stopApp();
    await delay(NODE_DOWN_MS);
    await leader.startApp();

    await waitFor('more stored', async () => (await storedCount()) >= 10_000, { timeoutMs: 180_000 });
    // The publisher's own node this time: its unconfirmed readings must be republished elsewhere.
    await cluster.nodes[0].kill();
    await delay(NODE_DOWN_MS);
    await cluster.nodes[0].start();

    expect(await publisher.exited).toBe(0);
    await waitFor('every reading stored', async () => (await storedCount()) >= total, { timeoutMs: 300_000 });
    await waitFor('the queue to drain', async () => (await countQueueMessages(queue, cluster)) === 0, {
      timeoutMs: 120_000,
    });

    const simulator = createSensorSimulator({ seed: 'cluster', sensors: 5 });
    const expected = Array.from({ length: total }, () => simulator.next().id);
    const stored = new Set((await db.query<{ id: string }>('SELECT id FROM sensor_readings')).map((r) => r.id));
    expect(stored.size).toBe(total);
    expect(expected.filter((id) => !stored.has(id))).toEqual([]);
    expect(await Promise.all(consumers.map((consumer) => consumer.stop()))).toEqual([0, 0]);
  }, 900_000);
});
