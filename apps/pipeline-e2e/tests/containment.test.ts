import { randomBytes } from 'node:crypto';
import type { ChannelModel, ConfirmChannel, GetMessage, Options } from 'amqplib';
import { Client } from 'pg';
import type { Topology } from '@sensors/messaging';
import { DEAD_LETTER_HEADERS, ENVELOPE_CONTENT_TYPE } from '@sensors/sensor-model';
import {
  countQueueMessages,
  readMetric,
  startApp,
  terminateDatabaseSessions,
  waitFor,
  type AppProcess,
} from '@sensors/testing';
import { createPipeline, type Pipeline } from './pipeline-fixture';
import { openTestBroker, peekQueue } from './test-broker';

/**
 * Each kind of message that once stalled, crash-looped or dragged its neighbours down, sitting
 * in a backlog of good readings (single and in envelopes) before the consumer starts: every good
 * reading must be stored exactly once, the bad message dead-lettered once with its reason, and
 * the consumer must take everything and stop cleanly.
 */

const run = randomBytes(4).toString('hex');
const SINGLES = 1_000;
const ENVELOPES = 40;
const PER_ENVELOPE = 100;
let pipeline: Pipeline;
let topology: Topology;
let broker: ChannelModel;
let channel: ConfirmChannel;

jest.setTimeout(240_000);

function reading(id: string, temperatureF: unknown = 70, time = '2019-06-24T15:00:00') {
  return { id, type: 'Sensor', content: { temperature_f: temperatureF, time_of_measurement: time } };
}

interface BadMessage {
  id: string;
  body: Buffer | string;
  headers?: Record<string, unknown>;
}

/** Queues good readings with `bad` messages in the middle of them; returns the good ids. */
async function queueBacklog(name: string, bad: BadMessage[]): Promise<string[]> {
  const good: string[] = [];
  const publish = (body: Buffer | string, properties: Options.Publish) =>
    channel.publish(topology.exchange, topology.routingKey, Buffer.from(body), { persistent: true, ...properties });
  const single = (i: number) => {
    const id = `${run}-${name}-s${i}`;
    good.push(id);
    publish(JSON.stringify(reading(id)), { messageId: id, contentType: 'application/json' });
  };
  const envelope = (e: number) => {
    const readings = Array.from({ length: PER_ENVELOPE }, (_, i) => reading(`${run}-${name}-e${e}-${i}`));
    good.push(...readings.map((r) => r.id));
    publish(JSON.stringify({ readings }), { messageId: `${run}-${name}-e${e}`, contentType: ENVELOPE_CONTENT_TYPE });
  };
  for (let i = 0; i < SINGLES / 2; i++) single(i);
  for (let e = 0; e < ENVELOPES / 2; e++) envelope(e);
  for (const message of bad) {
    publish(message.body, { messageId: message.id, contentType: 'application/json', headers: message.headers });
  }
  for (let e = ENVELOPES / 2; e < ENVELOPES; e++) envelope(e);
  for (let i = SINGLES / 2; i < SINGLES; i++) single(i);
  await channel.waitForConfirms();
  return good;
}

async function storedAmong(ids: string[]): Promise<number> {
  const [{ count }] = await pipeline.db.query<{ count: string }>(
    'SELECT count(*) FROM sensor_readings WHERE id = ANY($1)',
    [ids],
  );
  return Number(count);
}

function peek(queue: string): Promise<GetMessage[]> {
  return peekQueue(broker, queue);
}

async function deadLettersOf(prefix: string): Promise<GetMessage[]> {
  return (await peek(topology.deadLetterQueue)).filter((m) => String(m.properties.messageId).startsWith(prefix));
}

/** Waits until everything queued is stored or dead-lettered and the queue is empty. */
async function expectContained(name: string, consumer: AppProcess, good: string[], bad: Record<string, string>) {
  await waitFor('every good reading stored', async () => (await storedAmong(good)) === good.length, {
    timeoutMs: 120_000,
  });
  const dead = await waitFor(
    'the bad messages dead-lettered',
    async () => {
      const held = await deadLettersOf(`${run}-${name}`);
      return held.length >= Object.keys(bad).length && held;
    },
    { timeoutMs: 60_000 },
  );
  await waitFor('the queue to be empty', async () => (await countQueueMessages(topology.queue)) === 0);
  expect(
    Object.fromEntries(dead.map((m) => [m.properties.messageId, m.properties.headers?.[DEAD_LETTER_HEADERS.code]])),
  ).toEqual(bad);
  expect(dead).toHaveLength(Object.keys(bad).length);
  expect(await storedAmong(good)).toBe(good.length);
  expect(await readMetric(consumer, 'sensors_reconnects_total', { target: 'broker' })).toBe(0);
  expect(await readMetric(consumer, 'sensors_consumer_unacked_messages')).toBe(0);
  expect(await consumer.stop()).toBe(0);
}

/** Holds a row lock on `id`, so that the consumer's insert of it waits until released. */
async function lockReading(id: string): Promise<{ release: () => Promise<void> }> {
  const client = new Client({ connectionString: pipeline.db.url });
  await client.connect();
  await client.query('BEGIN');
  await client.query(
    `INSERT INTO sensor_readings (id, sensor_type, temperature_f, temperature_c, measured_at)
     VALUES ($1, 'Sensor', 70, 21.1, '2019-06-24T15:00:00Z')`,
    [id],
  );
  return {
    release: async () => {
      await client.query('ROLLBACK');
      await client.end();
    },
  };
}

/** Runs `consumer dead-letters …` as a process; resolves to its exit code and output lines. */
async function deadLettersCommand(
  args: string[],
): Promise<{ code: number | string; lines: Record<string, unknown>[] }> {
  const app = startApp('consumer', ['dead-letters', ...args], pipeline.env);
  const code = await app.exited;
  return { code, lines: app.logs };
}

function reasonOf(message: GetMessage): string {
  return String(message.properties.headers?.[DEAD_LETTER_HEADERS.code]);
}

async function consumerWaitsOnLock(): Promise<boolean> {
  const rows = await pipeline.db.query(
    "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'sensors-consumer' AND wait_event_type = 'Lock'",
    [pipeline.db.name],
  );
  return rows.length > 0;
}

beforeAll(async () => {
  pipeline = await createPipeline();
  ({ connection: broker, topology } = await openTestBroker(pipeline));
  channel = await broker.createConfirmChannel();
  // Created once, with the schema, before any backlog is published.
  (await pipeline.startConsumer()).child.kill('SIGTERM');
});

afterAll(async () => {
  await broker?.close();
  await pipeline?.teardown();
});

describe('the consumer contains every bad message', () => {
  it('dead-letters a value too deep to describe, and nothing else', async () => {
    const id = `${run}-deep-bad`;
    const body = `{"id":"${id}","type":"Sensor","content":{"temperature_f":${'['.repeat(10_000)}${']'.repeat(10_000)},"time_of_measurement":"2019-06-24T15:00:00"}}`;
    const good = await queueBacklog('deep', [{ id, body }]);
    const consumer = await pipeline.startConsumer();
    await expectContained('deep', consumer, good, {
      [id]: expect.stringMatching(/^(invalid-reading|consumer-error)$/),
    });
  });

  it('stores a reading whose time the latency histogram cannot read, and keeps acking behind it', async () => {
    const id = `${run}-tz-bad`;
    const body = JSON.stringify(reading(id, 90, '2019-06-24T15:00:00+05'));
    const good = await queueBacklog('tz', [{ id, body }]);
    const consumer = await pipeline.startConsumer();
    await waitFor('every good reading stored', async () => (await storedAmong(good)) === good.length, {
      timeoutMs: 120_000,
    });
    // Accepted as a time or refused as invalid (the model decides), but settled either way.
    await waitFor(
      'the reading to be settled',
      async () => (await storedAmong([id])) + (await deadLettersOf(id)).length === 1,
    );
    await waitFor('the queue to be empty', async () => (await countQueueMessages(topology.queue)) === 0);
    expect(await storedAmong(good)).toBe(good.length);
    expect(await consumer.stop()).toBe(0);
  });

  it('dead-letters a message whose headers leave no room for the reason, with the headers cut', async () => {
    const id = `${run}-headers-bad`;
    const good = await queueBacklog('headers', [{ id, body: 'not json', headers: { 'x-trace': 'x'.repeat(65_300) } }]);
    const consumer = await pipeline.startConsumer();
    await expectContained('headers', consumer, good, { [id]: 'invalid-reading' });
    const [dead] = await deadLettersOf(id);
    expect(dead.content.toString()).toBe('not json');
    expect(dead.properties.headers?.[DEAD_LETTER_HEADERS.headersCut]).toBe(true);
  });

  it('sets aside unread a message that ends its consumer each time, and stores every neighbour', async () => {
    // The message's write never returns while the test holds its row; the test then kills the
    // consumer, as an out-of-memory kill or a native crash would, each time it holds it.
    const id = `${run}-crash-bad`;
    const lock = await lockReading(id);
    try {
      const good = await queueBacklog('crash', [{ id, body: JSON.stringify(reading(id)) }]);
      const env = { SENSORS_MAX_REDELIVERIES: '2' };
      let kills = 0;
      for (;;) {
        const consumer = await pipeline.startConsumer(env);
        const outcome = await waitFor(
          'the consumer to hold the crashing message, or to set it aside',
          async () =>
            ((await consumerWaitsOnLock()) && 'holding') || ((await deadLettersOf(id)).length > 0 && 'set aside'),
          { timeoutMs: 120_000 },
        );
        if (outcome === 'set aside') {
          await expectContained('crash', consumer, good, { [id]: 'repeated-crash' });
          break;
        }
        consumer.child.kill('SIGKILL');
        await consumer.exited;
        // Postgres notices a dead client only when it next writes to it, never while its
        // statement waits on a lock: end the dead process's sessions, as a failover would.
        await terminateDatabaseSessions('sensors-consumer', pipeline.db.name);
        kills++;
        // The consumer sets the message aside once the broker's count of its returns passes 2.
        // The broker counts every return, not only kills (a loaded run once saw one more), so the
        // guarantee is a bound: at most 3 kills, and never a neighbour dead-lettered.
        expect(kills).toBeLessThanOrEqual(3);
      }
      expect(kills).toBeGreaterThanOrEqual(1);
    } finally {
      await lock.release();
    }
    expect(await storedAmong([id])).toBe(0);
    expect(
      (await peek(topology.deadLetterQueue)).filter(
        (m) => m.properties.headers?.[DEAD_LETTER_HEADERS.code] === 'delivery-limit',
      ),
    ).toEqual([]);
  });

  it('keeps dead letters to one per message id across a crash', async () => {
    const bad = Array.from({ length: 200 }, (_, i) => ({ id: `${run}-twice-bad-${i}`, body: `not json ${i}` }));
    const good = await queueBacklog('twice', bad);
    const first = await pipeline.startConsumer();
    await waitFor('some dead letters', async () => (await deadLettersOf(`${run}-twice-bad`)).length >= 20);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await pipeline.startConsumer();
    await waitFor('every good reading stored', async () => (await storedAmong(good)) === good.length, {
      timeoutMs: 120_000,
    });
    await waitFor('the queue to be empty', async () => (await countQueueMessages(topology.queue)) === 0);
    const dead = await waitFor('every bad message dead-lettered', async () => {
      const held = await deadLettersOf(`${run}-twice-bad`);
      return new Set(held.map((m) => m.properties.messageId as string | undefined)).size === bad.length && held;
    });
    // At least once: a dead letter confirmed just before the crash, its message not yet acked,
    // is made again on redelivery, under the same message id, which `dead-letters` counts once.
    expect(new Set(dead.map((m) => m.properties.messageId as string))).toEqual(new Set(bad.map((b) => b.id)));
    expect(await second.stop()).toBe(0);
  });

  it('lists the copies of a dead letter as one distinct id, and replays each id once', async () => {
    // What this file dead-lettered so far, plus one more copy of a dead letter (same id, same
    // payload), so that the command surely meets one: the crash above may or may not have made any.
    const before = await peek(topology.deadLetterQueue);
    const [original] = await deadLettersOf(`${run}-twice-bad`);
    await new Promise<void>((resolve, reject) =>
      channel.sendToQueue(
        topology.deadLetterQueue,
        original.content,
        {
          ...original.properties,
          persistent: true,
          // The broker's count of this copy's own deliveries starts again at 0.
          headers: Object.fromEntries(
            Object.entries(original.properties.headers ?? {}).filter(([name]) => name !== 'x-delivery-count'),
          ),
        },
        (err) => (err ? reject(err as Error) : resolve()),
      ),
    );
    const idsOf = (messages: GetMessage[]) => new Set(messages.map((m) => String(m.properties.messageId)));
    const invalid = [...before.filter((m) => reasonOf(m) === 'invalid-reading'), original];
    const invalidIds = idsOf(invalid);

    const listed = await deadLettersCommand(['list', '--json', '--sample', '0']);
    expect(listed.code).toBe(0);
    expect(listed.lines[0]).toMatchObject({
      total: before.length + 1,
      distinctIds: idsOf(before).size,
      byReason: expect.objectContaining({ 'invalid-reading': invalid.length }) as unknown,
      distinctIdsByReason: expect.objectContaining({ 'invalid-reading': invalidIds.size }) as unknown,
    });
    const table = (await deadLettersCommand(['list', '--sample', '0'])).lines.map((l) => String(l['raw']));
    expect(table).toContain(
      `${idsOf(before).size} distinct message ids: some messages are here more than once (dead-lettering is at-least-once); replay sends each once`,
    );
    expect(table).toContainEqual(
      expect.stringMatching(new RegExp(`^ {2}invalid-reading +${invalid.length} +${invalidIds.size}$`)),
    );

    const replay = await deadLettersCommand(['replay', '--reason', 'invalid-reading', '--json']);
    expect(replay.code).toBe(0);
    expect(replay.lines[0]).toMatchObject({
      replayed: invalidIds.size,
      duplicates: invalid.length - invalidIds.size,
      kept: before.length + 1 - invalid.length,
    });
    expect(await countQueueMessages(topology.queue)).toBe(invalidIds.size);

    // Judged again by a consumer that does not crash: each comes back once.
    const consumer = await pipeline.startConsumer();
    await waitFor('the queue to be empty', async () => (await countQueueMessages(topology.queue)) === 0);
    expect(await consumer.stop()).toBe(0);
    const after = (await peek(topology.deadLetterQueue)).filter((m) => reasonOf(m) === 'invalid-reading');
    expect(after).toHaveLength(invalidIds.size);
    expect(idsOf(after)).toEqual(invalidIds);
  });

  it('ends a shutdown stuck on a write that never returns, with exit code 1', async () => {
    const id = `${run}-stuck`;
    const lock = await lockReading(id);
    try {
      const consumer = await pipeline.startConsumer({ SENSORS_SHUTDOWN_TIMEOUT_MS: '1000' });
      channel.publish(topology.exchange, topology.routingKey, Buffer.from(JSON.stringify(reading(id))), {
        messageId: id,
        contentType: 'application/json',
      });
      await channel.waitForConfirms();
      await waitFor('the consumer to wait on the held row', consumerWaitsOnLock);
      expect(await consumer.stop()).toBe(1);
    } finally {
      await lock.release();
    }
  });
});
