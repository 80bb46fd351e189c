import { connect, type ChannelModel } from 'amqplib';
import { testAmqpUrl, takeMessages } from '@sensors/testing';
import { DEAD_LETTER_HEADERS } from '@sensors/sensor-model';
import { TopologyMismatchError, declareDeadLetterQueue, declareTopology, type Topology } from '@sensors/messaging';
import { deadLetterQueueState, migrateDeadLetterQueue } from '../src/dead-letters/migrate-dead-letter-queue';
import { ownTopologies } from './own-topologies';

jest.setTimeout(120_000);

const topologies = ownTopologies();
let connection: ChannelModel;

/** A topology of the test's own, not declared yet. */
const ownTopology = () => topologies.make('dl_mig');

/** Declares the topology as the version before this one did: its dead-letter queue had no delivery limit. */
async function declareAsEarlierVersion(topology: Topology): Promise<void> {
  const channel = await connection.createChannel();
  await channel.assertExchange(topology.exchange, 'direct', { durable: true });
  await channel.assertExchange(topology.deadLetterExchange, 'fanout', { durable: true });
  await channel.assertQueue(topology.deadLetterQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(topology.deadLetterQueue, topology.deadLetterExchange, '');
  await channel.close();
}

/** Dead letters as the consumer publishes them: to the dead-letter exchange, reason in the headers. */
async function publishDeadLetters(topology: Topology, ids: string[]): Promise<void> {
  const channel = await connection.createConfirmChannel();
  for (const id of ids) {
    channel.publish(topology.deadLetterExchange, '', Buffer.from(`{"id":"${id}"}`), {
      persistent: true,
      messageId: id,
      headers: { [DEAD_LETTER_HEADERS.code]: 'invalid-reading', 'x-trace': `trace-${id}` },
    });
  }
  await channel.waitForConfirms();
  await channel.close();
}

const drain = (queue: string) => takeMessages(queue);

async function queueExists(queue: string): Promise<boolean> {
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  const exists = await channel.checkQueue(queue).then(
    () => true,
    () => false,
  );
  await channel.close().catch(() => undefined);
  return exists;
}

/** Declares the topology as the apps do on connect; resolves to the error, if any. */
async function declareAsTheApps(topology: Topology): Promise<unknown> {
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  const failure = await declareTopology(channel, topology).then(
    () => undefined,
    (err: unknown) => err,
  );
  await channel.close().catch(() => undefined);
  return failure;
}

beforeAll(async () => {
  connection = await connect(testAmqpUrl, { noDelay: true });
});

afterAll(async () => {
  await connection.close();
  await topologies.deleteAll();
});

describe('migrateDeadLetterQueue', () => {
  it('redeclares a dead-letter queue of the earlier version, keeping every message in order', async () => {
    const topology = ownTopology();
    await declareAsEarlierVersion(topology);
    const ids = Array.from({ length: 50 }, (_, i) => `old-${i}`);
    await publishDeadLetters(topology, ids);

    // What an upgrade meets: the apps cannot declare the topology, and say what to do.
    const failure = await declareAsTheApps(topology);
    expect(failure).toBeInstanceOf(TopologyMismatchError);
    expect((failure as Error).message).toContain('dead-letters migrate');
    expect(await deadLetterQueueState(connection, topology)).toBe('earlier');

    expect(await migrateDeadLetterQueue(connection, topology)).toEqual({ outcome: 'migrated', moved: 50 });

    expect(await deadLetterQueueState(connection, topology)).toBe('current');
    expect(await declareAsTheApps(topology)).toBeUndefined();
    expect(await queueExists(`${topology.deadLetterQueue}.migrating`)).toBe(false);
    // Still where dead letters go.
    await publishDeadLetters(topology, ['new-1']);
    const left = await drain(topology.deadLetterQueue);
    expect(left.map((m) => m.properties.messageId)).toEqual([...ids, 'new-1']);
    expect(left[0].content.toString()).toBe('{"id":"old-0"}');
    expect(left[0].properties.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.code]: 'invalid-reading',
      'x-trace': 'trace-old-0',
    });
  });

  it('does nothing to a queue already declared this way', async () => {
    const topology = ownTopology();
    expect(await declareAsTheApps(topology)).toBeUndefined();
    await publishDeadLetters(topology, ['a', 'b']);
    expect(await migrateDeadLetterQueue(connection, topology)).toEqual({ outcome: 'current', moved: 0 });
    expect((await drain(topology.deadLetterQueue)).map((m) => m.properties.messageId)).toEqual(['a', 'b']);
  });

  it('declares and binds the queue when there is none', async () => {
    const topology = ownTopology();
    const channel = await connection.createChannel();
    await channel.assertExchange(topology.deadLetterExchange, 'fanout', { durable: true });
    await channel.close();
    expect(await deadLetterQueueState(connection, topology)).toBe('missing');
    expect(await migrateDeadLetterQueue(connection, topology)).toEqual({ outcome: 'created', moved: 0 });
    await publishDeadLetters(topology, ['c']);
    expect((await drain(topology.deadLetterQueue)).map((m) => m.properties.messageId)).toEqual(['c']);
  });

  it('finishes a migration that was cut off after the old queue was deleted', async () => {
    const topology = ownTopology();
    // The state a cut-off run leaves: the dead letters in the stand-in, bound in the queue's place.
    const standIn = `${topology.deadLetterQueue}.migrating`;
    const channel = await connection.createChannel();
    await channel.assertExchange(topology.deadLetterExchange, 'fanout', { durable: true });
    await declareDeadLetterQueue(channel, topology, standIn);
    await channel.bindQueue(standIn, topology.deadLetterExchange, '');
    await channel.close();
    await publishDeadLetters(topology, ['x', 'y']);

    expect(await migrateDeadLetterQueue(connection, topology)).toEqual({ outcome: 'migrated', moved: 2 });
    expect(await queueExists(standIn)).toBe(false);
    expect((await drain(topology.deadLetterQueue)).map((m) => m.properties.messageId)).toEqual(['x', 'y']);
  });
});
