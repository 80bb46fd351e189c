import { existsSync } from 'node:fs';
import { connect } from 'amqplib';
import mqtt from 'mqtt';
import {
  adminQuery,
  countQueueMessages,
  queueDepth,
  startMosquitto,
  startPostgresCluster,
  startRabbitNode,
  waitFor,
  withChannel,
  type PostgresCluster,
  type RabbitNode,
} from '../src';

describe('startRabbitNode', () => {
  let node: RabbitNode;
  beforeAll(async () => (node = await startRabbitNode()), 240_000);
  afterAll(() => node?.stop(), 120_000);

  it('serves AMQP and rabbitmqctl on its own ports, and comes back after stop_app', async () => {
    const queue = 'throwaway_check';
    await withChannel((channel) => channel.assertQueue(queue, { durable: true }), { broker: node });
    const connection = await connect(node.url);
    const channel = await connection.createConfirmChannel();
    channel.sendToQueue(queue, Buffer.from('x'), { persistent: true });
    await channel.waitForConfirms();
    await connection.close();
    expect(await countQueueMessages(queue, node)).toBe(1);
    await node.stopApp();
    await expect(connect(node.url, { timeout: 2000 })).rejects.toThrow();
    await node.startApp();
    await waitFor(
      'the queue to be listed with its message',
      async () => (await queueDepth(queue, node))?.messages === 1,
    );
  }, 240_000);
});

describe('startPostgresCluster', () => {
  let pg: PostgresCluster;
  beforeAll(async () => (pg = await startPostgresCluster()), 120_000);
  afterAll(() => pg?.remove(), 120_000);

  it('answers queries on its own port, and again after stop and start', async () => {
    expect(await adminQuery('SELECT 1 AS one', [], { url: pg.adminUrl })).toEqual([{ one: 1 }]);
    await pg.stop();
    await expect(adminQuery('SELECT 1', [], { url: pg.adminUrl })).rejects.toThrow();
    await pg.start();
    expect(await adminQuery('SELECT 2 AS two', [], { url: pg.adminUrl })).toEqual([{ two: 2 }]);
  }, 120_000);

  it('creates a tablespace that is size-limited where the machine allows it', async () => {
    const small = await pg.addSmallTablespace('small', 8);
    const rows = await adminQuery<{ spcname: string }>(
      "SELECT spcname FROM pg_tablespace WHERE spcname = 'small'",
      [],
      {
        url: pg.adminUrl,
      },
    );
    expect(rows).toHaveLength(1);
    expect(typeof small.limited).toBe('boolean');
    await small.remove();
    expect(await adminQuery("SELECT 1 FROM pg_tablespace WHERE spcname = 'small'", [], { url: pg.adminUrl })).toEqual(
      [],
    );
    expect(existsSync(small.location)).toBe(false);
  }, 60_000);

  it('fills a limited tablespace (SQLSTATE 53100), grows it, and removes it only once empty', async () => {
    const small = await pg.addSmallTablespace('fillable', 8);
    if (!small.limited) return; // not root: no filesystem of its own to fill
    const insert = (rows: number) =>
      adminQuery(`INSERT INTO filler SELECT repeat('x', 1000) FROM generate_series(1, ${rows})`, [], {
        url: pg.adminUrl,
      });
    await adminQuery('CREATE TABLE filler (payload text) TABLESPACE fillable', [], { url: pg.adminUrl });
    try {
      await insert(100);
      await small.resize(small.usedBytes());
      await expect(insert(1000)).rejects.toMatchObject({ code: '53100' });
      await expect(small.resize(small.usedBytes() / 2)).rejects.toThrow();
      await small.resize(16 * 1024 * 1024);
      await insert(1000);
      await expect(small.remove()).rejects.toThrow(/not empty/);
    } finally {
      await adminQuery('DROP TABLE IF EXISTS filler', [], { url: pg.adminUrl });
    }
    await small.remove();
    expect(existsSync(small.location)).toBe(false);
  }, 60_000);
});

describe('startMosquitto', () => {
  it('keeps a persistent session and its queued message across a SIGTERM restart', async () => {
    const broker = await startMosquitto({ persistence: true });
    try {
      const options = { clientId: 'throwaway-check', clean: false, reconnectPeriod: 0 } as const;
      const subscriber = await mqtt.connectAsync(broker.url, options);
      await subscriber.subscribeAsync('check/#', { qos: 1 });
      await subscriber.endAsync();
      const sensor = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      await sensor.publishAsync('check/a', 'queued while away', { qos: 1 });
      await sensor.endAsync();
      await broker.kill('SIGTERM');
      await expect(mqtt.connectAsync(broker.url, { reconnectPeriod: 0, connectTimeout: 2000 })).rejects.toThrow();
      await broker.restart();
      const back = mqtt.connect(broker.url, options);
      const payload = await new Promise<string>((resolve) => back.on('message', (_, body) => resolve(String(body))));
      await back.endAsync();
      expect(payload).toBe('queued while away');
    } finally {
      await broker.stop();
    }
  }, 60_000);
});
