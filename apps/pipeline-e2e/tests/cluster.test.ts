import { connect } from 'amqplib';
import { createSensorSimulator } from '@sensors/sensor-generator';
import {
  clusterNodeUrls,
  createTestDatabase,
  rabbitCluster,
  startApp,
  uniqueName,
  waitFor,
  type AppProcess,
  type TestDatabase,
} from '@sensors/testing';

// A real 3-node RabbitMQ cluster (tools/cluster/rabbit-cluster.sh), a publisher and two
// consumers attached to different nodes, and node losses in the middle of the stream.
const total = 20_000;
const queue = uniqueName('cluster_readings');
const apps: AppProcess[] = [];
let db: TestDatabase;

/** The node URLs starting from node `first`, so that each app prefers its own node. */
function urlsFrom(first: number): string {
  return [0, 1, 2].map((k) => clusterNodeUrls[(first - 1 + k) % 3]).join(',');
}

async function storedCount(): Promise<number> {
  const [{ count }] = await db.query<{ count: string }>('SELECT count(*) FROM sensor_readings');
  return Number(count);
}

async function readyInQueue(): Promise<number> {
  for (const url of clusterNodeUrls) {
    try {
      const connection = await connect(url);
      try {
        const channel = await connection.createChannel();
        return (await channel.checkQueue(queue)).messageCount;
      } finally {
        await connection.close();
      }
    } catch {
      // that node is down: ask the next
    }
  }
  throw new Error('no cluster node answered');
}

beforeAll(async () => {
  await rabbitCluster('up');
  db = await createTestDatabase('sensors_cluster');
}, 180_000);

afterAll(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  await rabbitCluster('down');
  await db?.drop();
}, 120_000);

describe('the pipeline on a RabbitMQ cluster', () => {
  it('stores every confirmed reading exactly once through a clean leader stop and a node kill', async () => {
    const env = {
      DATABASE_URL: db.url,
      SENSORS_QUEUE: queue,
      QUEUE_REPLICAS: '3',
      PROGRESS_INTERVAL_MS: '0',
      METRICS_PORT: '0',
    };
    const consumers = [2, 3].map((node) => startApp('consumer', [], { ...env, AMQP_URL: urlsFrom(node) }));
    apps.push(...consumers);
    for (const consumer of consumers) {
      await waitFor('a consumer to start', () => consumer.logs.some((l) => l['msg'] === 'consumer started'));
    }
    const publisher = startApp(
      'publisher',
      ['--count', String(total), '--rate', '800', '--seed', 'cluster', '--sensors', '5'],
      { ...env, AMQP_URL: urlsFrom(1) },
    );
    apps.push(publisher);

    await waitFor('a first share stored', async () => (await storedCount()) >= 4000, { timeoutMs: 60_000 });
    const members = await rabbitCluster('ctl', '-q', '--no-table-headers', 'list_queues', 'name', 'members');
    expect(members.split('\n').find((line) => line.startsWith(`${queue}\t`))).toMatch(
      /c1@localhost.*c2@localhost|c2@localhost.*c1@localhost/,
    );
    expect(
      members
        .split('\n')
        .find((line) => line.startsWith(`${queue}\t`))
        ?.match(/c[123]@localhost/g),
    ).toHaveLength(3);
    const leader = await rabbitCluster('leader', queue);
    await rabbitCluster('stop-app', leader);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await rabbitCluster('start-app', leader);

    await waitFor('more stored', async () => (await storedCount()) >= 10_000, { timeoutMs: 60_000 });
    // The publisher's own node this time: its unconfirmed readings must be republished elsewhere.
    await rabbitCluster('kill', '1');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await rabbitCluster('start', '1');

    expect(await publisher.exited).toBe(0);
    await waitFor('every reading stored', async () => (await storedCount()) >= total, { timeoutMs: 120_000 });
    await waitFor('the queue to drain', async () => (await readyInQueue()) === 0, { timeoutMs: 60_000 });

    const simulator = createSensorSimulator({ seed: 'cluster', sensors: 5 });
    const expected = Array.from({ length: total }, () => simulator.next().id);
    const stored = new Set((await db.query<{ id: string }>('SELECT id FROM sensor_readings')).map((r) => r.id));
    expect(stored.size).toBe(total);
    expect(expected.filter((id) => !stored.has(id))).toEqual([]);
    const stopped = await Promise.all(consumers.map((consumer) => consumer.stop()));
    expect(stopped).toEqual([0, 0]);
    // Both consumers took a share of the work.
    for (const consumer of consumers) {
      const last = consumer.logs.find((l) => l['msg'] === 'consumer stopped');
      expect(last?.['stored']).toBeGreaterThan(0);
    }
    expect(publisher.logs.some((l) => l['msg'] === 'broker connection lost, reconnecting')).toBe(true);
  });
});
