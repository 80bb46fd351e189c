import { connect, type ChannelModel, type GetMessage } from 'amqplib';
import { countQueueMessages, testAmqpUrl, waitFor, takeMessages } from '@sensors/testing';
import { DEAD_LETTER_HEADERS } from '@sensors/sensor-model';
import { PublishRejectedError, declareDeadLetterQueue, declareTopology, type Topology } from '@sensors/messaging';
import { listDeadLetters } from '../src/dead-letters/list-dead-letters';
import { replayDeadLetters } from '../src/dead-letters/replay-dead-letters';
import { ownTopologies } from './own-topologies';

// Lists copy every message once per run; on a loaded machine that takes a while.
jest.setTimeout(120_000);

// A delivery limit of 1 lets a test make the broker itself dead-letter a message quickly.
const topologies = ownTopologies();
const topology = topologies.make('dl_test', { deliveryLimit: 1 });
let connection: ChannelModel;

interface Letter {
  id: string;
  body: Buffer;
  reason: string;
}

function letter(id: string, reason: string, body = `{"id":${JSON.stringify(id)}}`): Letter {
  return { id, reason, body: Buffer.from(body) };
}

/** Puts messages into a dead-letter queue as the consumer does: original payload, reason in the headers. */
async function deadLetter(letters: Letter[], into: Topology = topology): Promise<void> {
  const channel = await connection.createConfirmChannel();
  for (const { id, body, reason } of letters) {
    channel.sendToQueue(into.deadLetterQueue, body, {
      persistent: true,
      messageId: id,
      contentType: reason === 'unsupported-content-type' ? 'application/xml' : 'application/json',
      headers: {
        'x-trace': `trace-${id}`,
        [DEAD_LETTER_HEADERS.code]: reason,
        [DEAD_LETTER_HEADERS.message]: `${reason} because of ${id}`,
        [DEAD_LETTER_HEADERS.fields]: 'content.temperature_f',
        [DEAD_LETTER_HEADERS.queue]: into.queue,
        [DEAD_LETTER_HEADERS.at]: new Date().toISOString(),
      },
    });
  }
  await channel.waitForConfirms();
  await channel.close();
}

/** Makes the broker dead-letter a message from the main queue by exceeding its delivery limit. */
async function deadLetterByDeliveryLimit(id: string): Promise<Letter> {
  const channel = await connection.createConfirmChannel();
  const before = await countQueueMessages(topology.deadLetterQueue);
  const body = Buffer.from(`{"id":${JSON.stringify(id)},"poison":true}`);
  channel.publish(topology.exchange, topology.routingKey, body, { persistent: true, messageId: id });
  await channel.waitForConfirms();
  for (let message = await channel.get(topology.queue); message; message = await channel.get(topology.queue)) {
    channel.nack(message, false, true);
  }
  await channel.close();
  await waitFor(
    'the broker to dead-letter it',
    async () => (await countQueueMessages(topology.deadLetterQueue)) > before,
  );
  return { id, body, reason: 'delivery-limit' };
}

/** Takes every message out of a queue, in queue order. */
const drain = (queue: string) => takeMessages(queue);

/** Every message in a queue, left in place: taken with acks and put back as they were, in order. */
async function peek(queue: string): Promise<GetMessage[]> {
  const taken = await drain(queue);
  const channel = await connection.createConfirmChannel();
  for (const m of taken) channel.sendToQueue(queue, m.content, { ...m.properties, persistent: true });
  await channel.waitForConfirms();
  await channel.close();
  return taken;
}

/** Message ids with their payloads, sorted, to compare queue contents regardless of order. */
function contents(messages: GetMessage[]): [string, string][] {
  return messages
    .map((m): [string, string] => [String(m.properties.messageId), m.content.toString('hex')])
    .sort(([a, x], [b, y]) => a.localeCompare(b) || x.localeCompare(y));
}

function asContents(letters: Letter[]): [string, string][] {
  return letters
    .map((l): [string, string] => [l.id, l.body.toString('hex')])
    .sort(([a, x], [b, y]) => a.localeCompare(b) || x.localeCompare(y));
}

/** A topology of the test's own with its own names, declared as the product declares it. */
async function ownTopology(prefix: string): Promise<Topology> {
  const own = topologies.make(prefix);
  const channel = await connection.createChannel();
  await declareTopology(channel, own);
  await channel.close();
  return own;
}

const invalid = [letter('bad-1', 'invalid-reading'), letter('bad-2', 'invalid-reading', '{not json')];
const rejected = [letter('db-1', 'database-rejected'), letter('db-2', 'database-rejected')];
const xml = letter('xml-1', 'unsupported-content-type', '<reading/>');
let poison: Letter;
let everything: Letter[];

beforeAll(async () => {
  connection = await connect(testAmqpUrl, { noDelay: true });
  const channel = await connection.createChannel();
  await declareTopology(channel, topology);
  await channel.close();
});

beforeEach(async () => {
  await drain(topology.queue);
  await drain(topology.deadLetterQueue);
  await deadLetter([invalid[0], rejected[0], xml, invalid[1], rejected[1]]);
  poison = await deadLetterByDeliveryLimit('poison-1');
  everything = [...invalid, ...rejected, xml, poison];
});

afterAll(async () => {
  await connection.close();
  await topologies.deleteAll();
});

describe('listDeadLetters', () => {
  it('counts the dead letters by reason, the broker ones as delivery-limit', async () => {
    const report = await listDeadLetters(connection, topology);
    expect(report.total).toBe(6);
    expect(report.distinctIds).toBe(6);
    expect(report.byReason).toEqual({
      'invalid-reading': 2,
      'database-rejected': 2,
      'unsupported-content-type': 1,
      'delivery-limit': 1,
    });
  });

  it('returns up to `sample` of each reason with the payload byte for byte', async () => {
    const report = await listDeadLetters(connection, topology, { sample: 1 });
    expect(report.samples.map((s) => [s.reason, s.messageId])).toEqual([
      ['invalid-reading', 'bad-1'],
      ['database-rejected', 'db-1'],
      ['unsupported-content-type', 'xml-1'],
      ['delivery-limit', 'poison-1'],
    ]);
    expect(report.samples[0]).toMatchObject({
      error: 'invalid-reading because of bad-1',
      fields: ['content.temperature_f'],
      sourceQueue: topology.queue,
      contentType: 'application/json',
    });
    expect(report.samples[0].payload.equals(invalid[0].body)).toBe(true);
    expect(report.samples[3].payload.equals(poison.body)).toBe(true);
    expect(report.samples[3].sourceQueue).toBe(topology.queue);
  });

  it('keeps no samples when asked for none', async () => {
    expect((await listDeadLetters(connection, topology, { sample: 0 })).samples).toEqual([]);
  });

  it('loses nothing in 25 runs, keeps the order and headers, and spends no delivery', async () => {
    for (let run = 0; run < 25; run++) expect((await listDeadLetters(connection, topology)).total).toBe(6);
    const left = await drain(topology.deadLetterQueue);
    expect(left.map((m) => m.properties.messageId)).toEqual(['bad-1', 'db-1', 'xml-1', 'bad-2', 'db-2', 'poison-1']);
    expect(contents(left)).toEqual(asContents(everything));
    for (const message of left) {
      expect(message.fields.redelivered).toBe(false);
      // A quorum queue with a delivery limit reports its count on every delivery: each run that
      // handed the message back would have added one.
      expect(message.properties.headers?.['x-delivery-count'] ?? 0).toBe(0);
    }
    expect(left[0].properties.headers).toMatchObject({
      'x-trace': 'trace-bad-1',
      [DEAD_LETTER_HEADERS.code]: 'invalid-reading',
    });
    expect(left[5].properties.headers?.['x-death']).toEqual([
      expect.objectContaining({ reason: 'delivery_limit', queue: topology.queue }),
    ]);
    expect(await countQueueMessages(topology.queue)).toBe(0);
  });

  it('loses nothing in 25 runs even where the queue has a delivery limit of 5', async () => {
    // As RabbitMQ 4.x treats a quorum queue declared without a limit (20 there), scaled down.
    const limited = topologies.make('dl_lim');
    const channel = await connection.createChannel();
    await channel.assertQueue(limited.deadLetterQueue, {
      durable: true,
      arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 5 },
    });
    await channel.close();
    const letters = [letter('lim-1', 'invalid-reading'), letter('lim-2', 'database-rejected')];
    await deadLetter(letters, limited);
    for (let run = 0; run < 25; run++) expect((await listDeadLetters(connection, limited)).total).toBe(2);
    expect(contents(await drain(limited.deadLetterQueue))).toEqual(asContents(letters));
  });

  it('counts a message dead-lettered twice as two messages with one distinct id', async () => {
    await deadLetter([rejected[0], rejected[0]]);
    const report = await listDeadLetters(connection, topology);
    expect(report).toMatchObject({
      total: 8,
      distinctIds: 6,
      byReason: { 'database-rejected': 4 },
      distinctIdsByReason: { 'database-rejected': 2, 'invalid-reading': 2 },
    });
  });
});

describe('replayDeadLetters', () => {
  it('moves only the dead letters of one reason to the main queue, payload and messageId intact', async () => {
    expect(await replayDeadLetters(connection, topology, { reason: 'database-rejected' })).toEqual({
      replayed: 2,
      duplicates: 0,
      kept: 4,
    });
    const replayed = await drain(topology.queue);
    expect(contents(replayed)).toEqual(asContents(rejected));
    for (const message of replayed) {
      expect(message.fields.exchange).toBe(topology.exchange);
      expect(message.properties.deliveryMode).toBe(2);
      const headers = message.properties.headers ?? {};
      expect(headers['x-trace']).toBe(`trace-${String(message.properties.messageId)}`);
      expect(Object.keys(headers).filter((name) => name.startsWith('x-sensors-'))).toEqual([]);
    }
    const left = await drain(topology.deadLetterQueue);
    expect(left.map((m) => m.properties.messageId)).toEqual(['bad-1', 'xml-1', 'bad-2', 'poison-1']);
    expect(left.every((m) => (m.properties.headers?.['x-delivery-count'] ?? 0) === 0)).toBe(true);
  });

  it('replays everything, the broker dead letters included', async () => {
    expect(await replayDeadLetters(connection, topology)).toEqual({ replayed: 6, duplicates: 0, kept: 0 });
    expect(await countQueueMessages(topology.deadLetterQueue)).toBe(0);
    expect(contents(await drain(topology.queue))).toEqual(asContents(everything));
  });

  it('replays no more than the limit', async () => {
    expect(await replayDeadLetters(connection, topology, { reason: 'invalid-reading', limit: 1 })).toEqual({
      replayed: 1,
      duplicates: 0,
      kept: 0,
    });
    expect(contents(await drain(topology.queue))).toEqual(asContents([invalid[0]]));
    expect(await countQueueMessages(topology.deadLetterQueue)).toBe(5);
  });

  it('sends each message id once and removes its other copies', async () => {
    const sameIdOtherPayload = letter('db-1', 'database-rejected', '{"id":"db-1","other":true}');
    await deadLetter([rejected[0], rejected[0], sameIdOtherPayload]);
    expect(await replayDeadLetters(connection, topology, { reason: 'database-rejected' })).toEqual({
      replayed: 3,
      duplicates: 2,
      kept: 4,
    });
    expect(contents(await drain(topology.queue))).toEqual(asContents([...rejected, sameIdOtherPayload]));
    expect(contents(await peek(topology.deadLetterQueue))).toEqual(
      asContents(everything.filter((l) => l.reason !== 'database-rejected')),
    );
  });

  it('loses and doubles nothing when called twice at once', async () => {
    const results = await Promise.all([
      replayDeadLetters(connection, topology, { reason: 'invalid-reading' }),
      replayDeadLetters(connection, topology, { reason: 'invalid-reading' }),
    ]);
    expect(results[0].replayed + results[1].replayed).toBe(2);
    expect(contents(await drain(topology.queue))).toEqual(asContents(invalid));
    expect(contents(await peek(topology.deadLetterQueue))).toEqual(
      asContents(everything.filter((l) => l.reason !== 'invalid-reading')),
    );
  });

  it('finds nothing more to replay when called again', async () => {
    await replayDeadLetters(connection, topology, { reason: 'unsupported-content-type' });
    expect(await replayDeadLetters(connection, topology, { reason: 'unsupported-content-type' })).toEqual({
      replayed: 0,
      duplicates: 0,
      kept: 5,
    });
    expect(contents(await drain(topology.queue))).toEqual(asContents([xml]));
    expect(await countQueueMessages(topology.deadLetterQueue)).toBe(5);
  });

  it('stops and keeps the dead letter when the main queue refuses it', async () => {
    // A main queue of the test's own that takes nothing: full at 0 messages, refusing publishes
    // (classic: a quorum queue may overshoot its length limit by a message).
    const full = topologies.make('dl_full');
    const channel = await connection.createChannel();
    await channel.assertExchange(full.exchange, 'direct', { durable: true });
    await channel.assertQueue(full.queue, {
      durable: true,
      arguments: { 'x-queue-type': 'classic', 'x-max-length': 0, 'x-overflow': 'reject-publish' },
    });
    await channel.bindQueue(full.queue, full.exchange, full.routingKey);
    await declareDeadLetterQueue(channel, full);
    await channel.close();
    await deadLetter([invalid[0], rejected[0]], full);

    const failure = await replayDeadLetters(connection, full).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(PublishRejectedError);
    expect(failure).toMatchObject({ reason: 'nacked', messageId: 'bad-1' });
    expect((failure as Error).message).toContain('0 replayed before it');
    expect(await countQueueMessages(full.queue)).toBe(0);
    expect(contents(await drain(full.deadLetterQueue))).toEqual(asContents([invalid[0], rejected[0]]));
  });

  it('stops and keeps the dead letter when no queue is bound to the exchange', async () => {
    const unbound = await ownTopology('dl_unbound');
    const channel = await connection.createChannel();
    await channel.unbindQueue(unbound.queue, unbound.exchange, unbound.routingKey);
    await channel.close();
    await deadLetter([xml], unbound);

    const failure = await replayDeadLetters(connection, unbound).catch((err: unknown) => err);
    expect(failure).toMatchObject({ reason: 'returned', messageId: 'xml-1' });
    expect(contents(await drain(unbound.deadLetterQueue))).toEqual(asContents([xml]));
  });
});
