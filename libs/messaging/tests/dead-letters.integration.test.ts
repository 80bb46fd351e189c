import { connect, type ChannelModel, type GetMessage } from 'amqplib';
import {
  countQueueMessages,
  deleteBrokerObjects,
  setQueuePolicy,
  testAmqpUrl,
  uniqueName,
  waitFor,
} from '@sensors/testing';
import {
  DEAD_LETTER_HEADERS,
  PublishRejectedError,
  declareTopology,
  inspectDeadLetters,
  replayDeadLetters,
  topologyFor,
} from '../src';

// A delivery limit of 1 lets a test make the broker itself dead-letter a message quickly.
const topology = topologyFor({
  exchange: uniqueName('dl_test_x'),
  queue: uniqueName('dl_test_q'),
  deliveryLimit: 1,
});
let connection: ChannelModel;

interface Letter {
  id: string;
  body: Buffer;
  reason: string;
}

function letter(id: string, reason: string, body = `{"id":${JSON.stringify(id)}}`): Letter {
  return { id, reason, body: Buffer.from(body) };
}

/** Puts messages into the dead-letter queue as the consumer does: original payload, reason in the headers. */
async function deadLetter(letters: Letter[]): Promise<void> {
  const channel = await connection.createConfirmChannel();
  for (const { id, body, reason } of letters) {
    channel.sendToQueue(topology.deadLetterQueue, body, {
      persistent: true,
      messageId: id,
      contentType: reason === 'unsupported-content-type' ? 'application/xml' : 'application/json',
      headers: {
        'x-trace': `trace-${id}`,
        [DEAD_LETTER_HEADERS.code]: reason,
        [DEAD_LETTER_HEADERS.message]: `${reason} because of ${id}`,
        [DEAD_LETTER_HEADERS.fields]: 'content.temperature_f',
        [DEAD_LETTER_HEADERS.queue]: topology.queue,
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

/** Every message in a queue, left in place (the channel closes without acking). */
async function peek(queue: string): Promise<GetMessage[]> {
  const channel = await connection.createChannel();
  const seen: GetMessage[] = [];
  for (let message = await channel.get(queue); message; message = await channel.get(queue)) seen.push(message);
  await channel.close();
  return seen;
}

/** Takes every message out of a queue. */
async function drain(queue: string): Promise<GetMessage[]> {
  const channel = await connection.createChannel();
  const taken: GetMessage[] = [];
  for (let m = await channel.get(queue, { noAck: true }); m; m = await channel.get(queue, { noAck: true }))
    taken.push(m);
  await channel.close();
  return taken;
}

/** Message ids with their payloads, sorted, to compare queue contents regardless of order. */
function contents(messages: GetMessage[]): [string, string][] {
  return messages
    .map((m): [string, string] => [String(m.properties.messageId), m.content.toString('hex')])
    .sort(([a], [b]) => a.localeCompare(b));
}

function asContents(letters: Letter[]): [string, string][] {
  return letters.map((l): [string, string] => [l.id, l.body.toString('hex')]).sort(([a], [b]) => a.localeCompare(b));
}

const invalid = [letter('bad-1', 'invalid-reading'), letter('bad-2', 'invalid-reading', '{not json')];
const rejected = [letter('db-1', 'database-rejected'), letter('db-2', 'database-rejected')];
const xml = letter('xml-1', 'unsupported-content-type', '<reading/>');
let poison: Letter;
let everything: Letter[];

beforeAll(async () => {
  connection = await connect(testAmqpUrl);
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
  await deleteBrokerObjects({
    queues: [topology.queue, topology.deadLetterQueue],
    exchanges: [topology.exchange, topology.deadLetterExchange],
  });
});

describe('inspectDeadLetters', () => {
  it('counts the dead letters by reason, the broker ones as delivery-limit', async () => {
    const report = await inspectDeadLetters(connection, topology);
    expect(report.total).toBe(6);
    expect(report.byReason).toEqual({
      'invalid-reading': 2,
      'database-rejected': 2,
      'unsupported-content-type': 1,
      'delivery-limit': 1,
    });
  });

  it('returns up to `sample` of each reason with the payload byte for byte', async () => {
    const report = await inspectDeadLetters(connection, topology, { sample: 1 });
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

  it('leaves every message in the dead-letter queue', async () => {
    await inspectDeadLetters(connection, topology);
    const second = await inspectDeadLetters(connection, topology);
    expect(second.total).toBe(6);
    expect(contents(await peek(topology.deadLetterQueue))).toEqual(asContents(everything));
    expect(await countQueueMessages(topology.queue)).toBe(0);
  });

  it('keeps no samples when asked for none', async () => {
    expect((await inspectDeadLetters(connection, topology, { sample: 0 })).samples).toEqual([]);
  });
});

describe('replayDeadLetters', () => {
  it('moves only the dead letters of one reason to the main queue, payload and messageId intact', async () => {
    expect(await replayDeadLetters(connection, topology, { reason: 'database-rejected' })).toEqual({
      replayed: 2,
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
    expect(contents(await peek(topology.deadLetterQueue))).toEqual(
      asContents(everything.filter((l) => l.reason !== 'database-rejected')),
    );
  });

  it('replays everything, the broker dead letters included', async () => {
    expect(await replayDeadLetters(connection, topology)).toEqual({ replayed: 6, kept: 0 });
    expect(await countQueueMessages(topology.deadLetterQueue)).toBe(0);
    expect(contents(await drain(topology.queue))).toEqual(asContents(everything));
  });

  it('replays no more than the limit', async () => {
    expect(await replayDeadLetters(connection, topology, { reason: 'invalid-reading', limit: 1 })).toEqual({
      replayed: 1,
      kept: 0,
    });
    expect(contents(await drain(topology.queue))).toEqual(asContents([invalid[0]]));
    expect(await countQueueMessages(topology.deadLetterQueue)).toBe(5);
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
      kept: 5,
    });
    expect(contents(await drain(topology.queue))).toEqual(asContents([xml]));
    expect(await countQueueMessages(topology.deadLetterQueue)).toBe(5);
  });

  it('stops and keeps the dead letter when the main queue refuses it', async () => {
    // A full main queue (reject-publish overflow) nacks what is published to it.
    const clearPolicy = await setQueuePolicy(uniqueName('dl_test_full'), `^${topology.queue}$`, { 'max-length': 0 });
    try {
      const probe = await connection.createConfirmChannel();
      await waitFor('the policy to take effect', async () => {
        probe.sendToQueue(topology.queue, Buffer.from('probe'), { persistent: true });
        return probe.waitForConfirms().then(
          () => false,
          () => true,
        );
      });
      await probe.close().catch(() => undefined);
      const failure = await replayDeadLetters(connection, topology).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(PublishRejectedError);
      expect(failure).toMatchObject({ reason: 'nacked', messageId: 'bad-1' });
      expect((failure as Error).message).toContain('0 replayed before it');
    } finally {
      await clearPolicy();
    }
    await drain(topology.queue);
    expect(contents(await peek(topology.deadLetterQueue))).toEqual(asContents(everything));
  });
});
