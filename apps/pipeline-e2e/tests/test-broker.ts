import { connect, type ChannelModel, type GetMessage, type Message, type Options } from 'amqplib';
import { declareTopology, topologyFor, type Topology } from '@sensors/messaging';
import { countQueueMessages, waitFor, type AppProcess } from '@sensors/testing';
import { createPipeline, type Pipeline } from './pipeline-fixture';

/** A message published straight to the consumer's exchange, bypassing the publisher and its validation. */
export interface RawMessage {
  body: Buffer;
  messageId: string;
  properties?: Options.Publish;
}

/** A connection of the test's own to the pipeline's broker, and the pipeline's topology. */
export interface TestBroker {
  connection: ChannelModel;
  topology: Topology;
  /**
   * Publishes persistent, mandatory JSON messages to the topology's exchange and waits for
   * their confirms; rejects naming the ids the broker returned as unroutable.
   */
  publish(messages: RawMessage[]): Promise<void>;
  /** Every message in a queue, left in place. */
  peek(queue: string): Promise<GetMessage[]>;
}

/** A pipeline of the test file's own with a {@link TestBroker} on it; `close` ends both. */
export interface PipelineWithBroker {
  pipeline: Pipeline;
  broker: TestBroker;
  close(): Promise<void>;
}

/**
 * Connects to the pipeline's broker and declares its topology, so that nothing published
 * before the consumer has subscribed is unroutable.
 */
export async function openTestBroker(pipeline: Pipeline): Promise<TestBroker> {
  const topology = topologyFor({
    exchange: pipeline.env['SENSORS_EXCHANGE'],
    routingKey: pipeline.env['SENSORS_ROUTING_KEY'],
    queue: pipeline.queue,
  });
  const connection = await connect(pipeline.env['SENSORS_AMQP_URL']);
  const channel = await connection.createChannel();
  await declareTopology(channel, topology);
  await channel.close();
  return {
    connection,
    topology,
    async publish(messages) {
      const returned = await publishRaw(connection, topology, messages);
      if (returned.length > 0) throw new Error(`the broker returned ${returned.join(', ')} as unroutable`);
    },
    peek: (queue) => peekQueue(connection, queue),
  };
}

export async function createPipelineWithBroker(): Promise<PipelineWithBroker> {
  const pipeline = await createPipeline();
  const broker = await openTestBroker(pipeline);
  return {
    pipeline,
    broker,
    async close() {
      await broker.connection.close();
      await pipeline.teardown();
    },
  };
}

/**
 * Starts the pipeline's consumer, publishes `messages` straight to its exchange and waits until
 * the expected counts are stored and dead-lettered and the queue is empty; resolves to the consumer.
 */
export async function consumeAll(
  { pipeline, broker }: PipelineWithBroker,
  messages: RawMessage[],
  expected: { stored: number; deadLettered: number },
): Promise<AppProcess> {
  const consumer = await pipeline.startConsumer();
  await broker.publish(messages);
  await waitForEverySettled(pipeline, broker.topology, expected);
  return consumer;
}

/** Waits until the stored rows and the dead-letter queue have their counts and the queue is empty. */
export async function waitForEverySettled(
  pipeline: Pipeline,
  topology: Topology,
  expected: { stored: number; deadLettered: number },
): Promise<void> {
  await waitFor('every good reading stored', async () => (await pipeline.storedCount()) >= expected.stored, {
    timeoutMs: 60_000,
  });
  await waitFor(
    'every bad one dead-lettered',
    async () => (await countQueueMessages(topology.deadLetterQueue)) >= expected.deadLettered,
  );
  await waitFor('every message acked', async () => (await countQueueMessages(topology.queue)) === 0);
}

/** Publishes as {@link TestBroker.publish} does; resolves to the ids of those the broker returned as unroutable. */
async function publishRaw(connection: ChannelModel, topology: Topology, messages: RawMessage[]): Promise<string[]> {
  const channel = await connection.createConfirmChannel();
  const returned: string[] = [];
  channel.on('return', (m: Message) => returned.push(String(m.properties.messageId)));
  for (const m of messages) {
    channel.publish(topology.exchange, topology.routingKey, m.body, {
      persistent: true,
      mandatory: true,
      messageId: m.messageId,
      contentType: 'application/json',
      ...m.properties,
    });
  }
  await channel.waitForConfirms();
  await channel.close();
  return returned;
}

/** Every message in a queue, left in place: the channel closes without acking, so the broker requeues them. */
export async function peekQueue(connection: ChannelModel, queue: string): Promise<GetMessage[]> {
  const channel = await connection.createChannel();
  const seen: GetMessage[] = [];
  for (let m = await channel.get(queue); m; m = await channel.get(queue)) seen.push(m);
  await channel.close();
  return seen;
}
