import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import {
  closeBrokerConnections,
  countQueueMessages,
  deleteTopology,
  setQueuePolicy,
  testAmqpUrl,
  uniqueName,
  waitFor,
  withTimeout,
} from '@sensors/testing';
import {
  BrokerConnection,
  ConfirmPublisher,
  DEFAULT_DEAD_LETTER_HEADERS,
  PublishRejectedError,
  QueueConsumer,
  declareTopology,
  topologyFor,
  type Delivery,
} from '../src';

const topology = topologyFor({
  exchange: uniqueName('msg_test_x'),
  routingKey: 'test.reading',
  queue: uniqueName('msg_test_q'),
});
const opened: BrokerConnection[] = [];
let admin: ChannelModel;

function open(connectionName: string): BrokerConnection {
  const connection = new BrokerConnection({
    urls: [testAmqpUrl],
    connectionName,
    backoff: { initialMs: 50, maxMs: 500 },
  });
  opened.push(connection);
  return connection;
}

/**
 * A consumer that dead-letters every message as `invalid-reading`, recording whether each dead
 * letter was confirmed, and a confirm channel of the test's own on the declared topology.
 */
async function deadLetterEverything(): Promise<{ confirmed: boolean[]; channel: ConfirmChannel }> {
  const connection = open(uniqueName('both'));
  const confirmed: boolean[] = [];
  new QueueConsumer(connection, {
    topology,
    onMessage: (delivery) =>
      void delivery.deadLetter({ code: 'invalid-reading', message: 'not json' }).then((c) => confirmed.push(c)),
  });
  connection.start();
  const channel = await admin.createConfirmChannel();
  await declareTopology(channel, topology);
  return { confirmed, channel };
}

function message(id: string) {
  return { id, body: Buffer.from(JSON.stringify({ id })) };
}

beforeAll(async () => {
  admin = await connect(testAmqpUrl);
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
  const channel = await admin.createChannel();
  await channel.purgeQueue(topology.queue).catch(() => undefined);
  await channel.close().catch(() => undefined);
});

afterAll(async () => {
  await admin.close();
  await deleteTopology(topology);
});

describe('ConfirmPublisher', () => {
  it('resolves once the broker has the message in the queue', async () => {
    const connection = open(uniqueName('pub'));
    const publisher = new ConfirmPublisher(connection, { topology });
    connection.start();
    await Promise.all(Array.from({ length: 100 }, (_, i) => publisher.publish(message(`m${i}`))));
    expect(publisher.unconfirmed).toBe(0);
    expect(await countQueueMessages(topology.queue)).toBe(100);
  });

  it('rejects a message the broker returns as unroutable', async () => {
    const connection = open(uniqueName('pub'));
    const publisher = new ConfirmPublisher(connection, { topology });
    connection.start();
    await publisher.publish(message('routed'));
    const channel = await admin.createChannel();
    await channel.unbindQueue(topology.queue, topology.exchange, topology.routingKey);
    try {
      await expect(publisher.publish(message('lost'))).rejects.toThrow(PublishRejectedError);
      await expect(publisher.publish(message('lost2'))).rejects.toMatchObject({
        reason: 'returned',
        messageId: 'lost2',
      });
    } finally {
      await channel.bindQueue(topology.queue, topology.exchange, topology.routingKey);
      await channel.close();
    }
  });

  it('sends a nacked message again until the broker takes it', async () => {
    const connection = open(uniqueName('pub'));
    const nacks: number[] = [];
    const publisher = new ConfirmPublisher(connection, { topology, onNack: (_, count) => nacks.push(count) });
    connection.start();
    // With reject-publish overflow, a quorum queue over its maximum length tells the channels
    // that publish to it to nack every publish. It tells them when it goes over the limit, not
    // per message: publishes that reach the channel before that word are taken. So the queue is
    // over its limit before the policy applies, and no burst of publishes races the word.
    await Promise.all(['first', 'second'].map((id) => publisher.publish(message(id))));
    const removePolicy = await setQueuePolicy(uniqueName('full'), `^${topology.queue}$`, { 'max-length': 1 });
    let confirmed = 0;
    try {
      for (const id of ['a', 'b', 'c']) void publisher.publish(message(id)).then(() => confirmed++);
      await waitFor('a message nacked twice', () => nacks.includes(2));
      expect(confirmed).toBeLessThan(3);
    } finally {
      await removePolicy();
    }
    // A queue that has been full takes publishes again once something is taken from it.
    const channel = await admin.createChannel();
    await channel.purgeQueue(topology.queue);
    await channel.close();
    await waitFor('every retried message to be confirmed', () => confirmed === 3);
    expect(publisher.unconfirmed).toBe(0);
  }, 60_000);

  it('republishes what was unconfirmed when its connection is force-closed', async () => {
    const name = uniqueName('pub');
    const connection = open(name);
    const publisher = new ConfirmPublisher(connection, { topology, maxUnconfirmed: 50 });
    connection.start();
    const confirms: Promise<void>[] = [];
    for (let i = 0; i < 3000; i++) {
      await publisher.whenWritable();
      confirms.push(publisher.publish(message(`r${i}`)));
      if (i === 1000) expect(await closeBrokerConnections(name)).toBe(1);
    }
    await Promise.all(confirms);
    // Every message is there at least once; a resend may add a few duplicates.
    expect(await countQueueMessages(topology.queue)).toBeGreaterThanOrEqual(3000);
  });
});

describe('QueueConsumer', () => {
  it('receives what was published and acks it', async () => {
    const connection = open(uniqueName('both'));
    const publisher = new ConfirmPublisher(connection, { topology });
    const seen: string[] = [];
    new QueueConsumer(connection, {
      topology,
      onMessage: (delivery) => {
        seen.push(delivery.properties.messageId as string);
        delivery.ack();
      },
    });
    connection.start();
    await Promise.all(['a', 'b', 'c'].map((id) => publisher.publish(message(id))));
    await waitFor('three deliveries', () => seen.length === 3);
    expect(seen.sort()).toEqual(['a', 'b', 'c']);
    await waitFor('the acks to empty the queue', async () => (await countQueueMessages(topology.queue)) === 0);
  });

  it('changes its prefetch on the fly, keeping the deliveries it holds and delivering each message once', async () => {
    const connection = open(uniqueName('both'));
    const publisher = new ConfirmPublisher(connection, { topology });
    const held: Delivery[] = [];
    const consumer = new QueueConsumer(connection, { topology, prefetch: 5, onMessage: (d) => void held.push(d) });
    connection.start();
    const ids = Array.from({ length: 20 }, (_, i) => `p${i}`);
    await Promise.all(ids.map((id) => publisher.publish(message(id))));
    const quietly = async (count: number) => {
      await waitFor(`${count} deliveries`, () => held.length === count);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(held).toHaveLength(count);
    };
    // The first message of a channel is taken alone (it might be a redelivery), then 5 more.
    await quietly(6);

    // The new subscription takes 2; the 6 held on the old ones stay valid and come on top.
    await consumer.setPrefetch(2);
    await quietly(8);
    held.forEach((d) => d.ack());
    await quietly(10);

    await consumer.setPrefetch(10);
    await quietly(20);
    held.forEach((d) => d.ack());
    held.forEach((d) => d.ack());

    expect(held.map((d) => d.properties.messageId as string | undefined).sort()).toEqual([...ids].sort());
    expect(held.some((d) => d.redelivered)).toBe(false);
    await waitFor('the acks to empty the queue', async () => (await countQueueMessages(topology.queue)) === 0);
  });

  it('takes redelivered messages one at a time, each acked alone, then fresh ones at the full prefetch', async () => {
    const publisher = new ConfirmPublisher(open(uniqueName('pub')), { topology });
    opened[0].start();
    await Promise.all(['r0', 'r1', 'r2'].map((id) => publisher.publish(message(id))));
    // A consumer that dies holding all three: they come back redelivered.
    const dying = open(uniqueName('dying'));
    const taken: Delivery[] = [];
    new QueueConsumer(dying, { topology, prefetch: 10, onMessage: (d) => void taken.push(d) });
    dying.start();
    await waitFor('the first consumer to hold every message', () => taken.length === 3);
    await dying.close();
    await Promise.all(['f0', 'f1', 'f2', 'f3'].map((id) => publisher.publish(message(id))));

    const connection = open(uniqueName('again'));
    const held: Delivery[] = [];
    const consumer = new QueueConsumer(connection, { topology, prefetch: 10, onMessage: (d) => void held.push(d) });
    connection.start();
    for (let i = 1; i <= 3; i++) {
      await waitFor(`redelivery ${i}`, () => held.length === i);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(held).toHaveLength(i);
      expect(held[i - 1]).toMatchObject({ redelivered: true });
      expect(consumer.prefetch).toBe(1);
      held[i - 1].ack();
    }
    await waitFor('the fresh messages, together', () => held.length === 7);
    expect(consumer.prefetch).toBe(10);
    expect(held.slice(3).some((d) => d.redelivered)).toBe(false);
    held.forEach((d) => d.ack());
    await waitFor('the acks to empty the queue', async () => (await countQueueMessages(topology.queue)) === 0);
  });

  it('keeps its full prefetch for a first delivery whose publisher wrote a delivery count', async () => {
    const channel = await admin.createConfirmChannel();
    await declareTopology(channel, topology);
    for (const id of ['forged-0', 'forged-1', 'forged-2']) {
      channel.publish(topology.exchange, topology.routingKey, Buffer.from('{}'), {
        messageId: id,
        headers: { 'x-delivery-count': 1 },
      });
    }
    await channel.waitForConfirms();
    await channel.close();

    const connection = open(uniqueName('forged'));
    const held: Delivery[] = [];
    const consumer = new QueueConsumer(connection, { topology, prefetch: 10, onMessage: (d) => void held.push(d) });
    connection.start();
    // The first of a channel is taken alone; the rest come together, none acked.
    await waitFor('every message, none acked', () => held.length === 3);
    expect(held.map((d) => [d.redelivered, d.deliveryCount])).toEqual([
      [false, 0],
      [false, 0],
      [false, 0],
    ]);
    expect(consumer.prefetch).toBe(10);
    held.forEach((d) => d.ack());
    await waitFor('the acks to empty the queue', async () => (await countQueueMessages(topology.queue)) === 0);
  });

  it('dead-letters a message whose headers do not fit again without them, marked cut', async () => {
    const { confirmed, channel } = await deadLetterEverything();
    channel.publish(topology.exchange, topology.routingKey, Buffer.from('not json'), {
      messageId: 'huge-headers',
      headers: { 'x-trace': 'x'.repeat(65_400) },
    });
    await channel.waitForConfirms();
    await waitFor('the dead letter to be confirmed', () => confirmed.length === 1);
    expect(confirmed).toEqual([true]);
    const dead = await waitFor('the dead letter', () => channel.get(topology.deadLetterQueue, { noAck: true }));
    await channel.close();
    expect(dead.content.toString()).toBe('not json');
    expect(dead.properties.messageId).toBe('huge-headers');
    expect(dead.properties.headers).toMatchObject({
      [DEFAULT_DEAD_LETTER_HEADERS.headersCut]: true,
      [DEFAULT_DEAD_LETTER_HEADERS.code]: 'invalid-reading',
    });
    expect(dead.properties.headers?.['x-trace']).toBeUndefined();
    await waitFor('the original to be acked', async () => (await countQueueMessages(topology.queue)) === 0);
  });

  it('dead-letters with the reason in the headers and the payload intact', async () => {
    const connection = open(uniqueName('both'));
    const publisher = new ConfirmPublisher(connection, { topology });
    new QueueConsumer(connection, {
      topology,
      onMessage: (delivery) =>
        void delivery.deadLetter({ code: 'invalid-reading', message: 'id must not be empty', fields: ['id'] }),
    });
    connection.start();
    const body = Buffer.from('{"id": ""}');
    await publisher.publish({ id: 'bad-1', body });

    const channel = await admin.createChannel();
    const dead = await waitFor('the dead letter', () => channel.get(topology.deadLetterQueue, { noAck: true }));
    await channel.close();
    expect(dead.content.equals(body)).toBe(true);
    expect(dead.properties.messageId).toBe('bad-1');
    expect(dead.properties.headers).toMatchObject({
      [DEFAULT_DEAD_LETTER_HEADERS.code]: 'invalid-reading',
      [DEFAULT_DEAD_LETTER_HEADERS.message]: 'id must not be empty',
      [DEFAULT_DEAD_LETTER_HEADERS.fields]: 'id',
      [DEFAULT_DEAD_LETTER_HEADERS.queue]: topology.queue,
    });
    await waitFor('the original to be acked', async () => (await countQueueMessages(topology.queue)) === 0);
  });

  it('dead-letters a message without its expiration and user id, so that the dead letter stays', async () => {
    const { confirmed, channel } = await deadLetterEverything();
    await waitFor('the consumer', async () => (await channel.checkQueue(topology.queue)).consumerCount === 1);
    // Expiration 0: the message lives only while a consumer is there to take it at once, as
    // this one is; a dead letter that kept it would be dropped from the dead-letter queue.
    channel.publish(topology.exchange, topology.routingKey, Buffer.from('not json'), {
      messageId: 'short-lived',
      expiration: '0',
      userId: 'guest',
      appId: 'tester',
    });
    await channel.waitForConfirms();
    await waitFor('the dead letter to be confirmed', () => confirmed.length === 1);
    expect(confirmed).toEqual([true]);
    expect(await countQueueMessages(topology.deadLetterQueue)).toBe(1);
    const dead = await waitFor('the dead letter', () => channel.get(topology.deadLetterQueue, { noAck: true }));
    await channel.close();
    expect(dead.properties).toMatchObject({ messageId: 'short-lived', appId: 'tester' });
    expect(dead.properties.expiration).toBeUndefined();
    expect(dead.properties.userId).toBeUndefined();
  });

  it('dead-letters a part of a message with the reason, leaving the message itself unacked', async () => {
    const connection = open(uniqueName('both'));
    const publisher = new ConfirmPublisher(connection, { topology });
    const held: Delivery[] = [];
    const parts: boolean[] = [];
    new QueueConsumer(connection, {
      topology,
      onMessage: (delivery) => {
        held.push(delivery);
        void delivery
          .deadLetterPart(
            { content: Buffer.from('{"id":""}'), messageId: 'env-1#2', headers: { ['x-part-index']: 2 } },
            { code: 'invalid-reading', message: 'id must not be empty', fields: ['id'] },
          )
          .then((confirmed) => parts.push(confirmed));
      },
    });
    connection.start();
    await publisher.publish({ id: 'env-1', body: Buffer.from('{"readings":[]}') });
    await waitFor('the part to be confirmed', () => parts.length === 1);
    expect(parts).toEqual([true]);

    const channel = await admin.createChannel();
    const dead = await waitFor('the dead letter', () => channel.get(topology.deadLetterQueue, { noAck: true }));
    await channel.close();
    expect(dead.content.toString()).toBe('{"id":""}');
    expect(dead.properties).toMatchObject({ messageId: 'env-1#2', contentType: 'application/json' });
    expect(dead.properties.headers).toMatchObject({
      [DEFAULT_DEAD_LETTER_HEADERS.code]: 'invalid-reading',
      ['x-part-index']: 2,
      [DEFAULT_DEAD_LETTER_HEADERS.queue]: topology.queue,
    });
    expect(held).toHaveLength(1);
    await connection.close();
    await waitFor(
      'the unacked message back in the queue',
      async () => (await countQueueMessages(topology.queue)) === 1,
    );
  });

  it('resubscribes after its connection is force-closed and gets the unacked messages again', async () => {
    const name = uniqueName('cons');
    const connection = open(name);
    const held: Delivery[] = [];
    new QueueConsumer(connection, { topology, onMessage: (delivery) => held.push(delivery) });
    const publishing = open(uniqueName('pub'));
    const publisher = new ConfirmPublisher(publishing, { topology });
    publishing.start();
    connection.start();
    await publisher.publish(message('held'));
    await waitFor('the first delivery', () => held.length === 1);
    expect(held[0].stale).toBe(false);

    expect(await closeBrokerConnections(name)).toBe(1);
    await waitFor('the redelivery', () => held.length === 2, { timeoutMs: 15_000 });
    expect(held[1].redelivered).toBe(true);
    expect(held.map((d) => d.stale)).toEqual([true, false]);
    held[0].ack(); // its channel is gone: a no-op
    held[1].ack();
    await waitFor('the queue to drain', async () => (await countQueueMessages(topology.queue)) === 0);
  });
});

describe('BrokerConnection', () => {
  it('reports no failed attach when close() closes the connection while a client attaches', async () => {
    const connection = open('attach-during-close');
    let started!: () => void;
    let release!: () => void;
    const attaching = new Promise<void>((resolve) => (started = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    connection.register({
      attach: async (model) => {
        started();
        await gate;
        await model.createChannel();
      },
      detach: () => undefined,
    });
    const failures: Error[] = [];
    connection.on('attach-failed', ({ err }) => failures.push(err));
    connection.start();
    await withTimeout('the client to start attaching', attaching, 10_000);
    const closed = connection.close();
    release();
    await withTimeout('close() to end', closed, 10_000);
    expect(failures).toEqual([]);
    expect(connection.connected).toBe(false);
  });
});
