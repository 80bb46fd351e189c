import type { Channel } from 'amqplib';

/** The exchange, queue and dead-letter queue readings travel through. */
export interface Topology {
  /** Durable direct exchange the publisher sends to. */
  exchange: string;
  /** Key readings are published with and the queue is bound with. */
  routingKey: string;
  /** Durable queue bound to the exchange, which the consumer reads. */
  queue: string;
  /** Where rejected messages go: a fanout exchange and its queue, both named `<queue>.dead-letter`. */
  deadLetterExchange: string;
  deadLetterQueue: string;
  /** `quorum` (replicated, broker-side delivery limit) or `classic`. */
  queueType: 'quorum' | 'classic';
  /**
   * Deliveries after which the broker itself dead-letters a message (quorum queues only):
   * a reading that keeps crashing consumers cannot cycle forever.
   */
  deliveryLimit: number;
  /**
   * Nodes a new quorum queue is replicated on (`x-quorum-initial-group-size`); 0 leaves it to
   * the broker, which places a replica on every node of the cluster.
   */
  queueReplicas: number;
}

export interface TopologyOptions {
  exchange: string;
  routingKey: string;
  queue: string;
  queueType?: Topology['queueType'];
  deliveryLimit?: number;
  queueReplicas?: number;
}

/**
 * The delivery limit of a quorum dead-letter queue: one that nobody reaches, so that the broker
 * never drops a dead letter however often it is delivered and handed back.
 *
 * Not `-1`: RabbitMQ documents `-1` as "no limit" only from 4.0 on
 * (https://www.rabbitmq.com/docs/quorum-queues#poison-message-handling); RabbitMQ 3.10.8 takes
 * it as a limit below every count and dropped a probe message on its first return. Nor left
 * out: from 4.0 on a quorum queue declared without one gets a limit of 20
 * (https://github.com/rabbitmq/rabbitmq-server/blob/main/release-notes/4.0.1.md). A number is
 * read the same way by every version; a policy or operator policy with a lower limit still wins
 * (RabbitMQ applies the lowest of the three).
 */
export const DEAD_LETTER_DELIVERY_LIMIT = 1_000_000_000;

/**
 * The topology's queue exists with other arguments than this version declares it with, e.g.
 * a dead-letter queue declared by an earlier version. The broker refuses to change a queue's
 * arguments, so the message says how to move to the new declaration.
 */
export class TopologyMismatchError extends Error {
  constructor(
    readonly queue: string,
    brokerMessage: string,
  ) {
    super(
      `queue "${queue}" exists with other arguments than this version declares (${brokerMessage}); ` +
        `an earlier version declared it: run "consumer dead-letters migrate" once, which redeclares it ` +
        `and keeps every message (see "Dead letters" in the README)`,
    );
    this.name = 'TopologyMismatchError';
  }
}

/**
 * Returns the full topology for an exchange, routing key and queue name, with the dead-letter
 * names derived from the queue.
 *
 * @example
 * topologyFor({ exchange: 'sensors', routingKey: 'sensor.reading', queue: 'sensor-readings' }).deadLetterQueue; // 'sensor-readings.dead-letter'
 */
export function topologyFor(options: TopologyOptions): Topology {
  const { exchange, routingKey, queue, queueType = 'quorum', deliveryLimit = 20, queueReplicas = 0 } = options;
  return {
    exchange,
    routingKey,
    queue,
    deadLetterExchange: `${queue}.dead-letter`,
    deadLetterQueue: `${queue}.dead-letter`,
    queueType,
    deliveryLimit,
    queueReplicas,
  };
}

/**
 * Declares the topology (idempotent; both apps call it on every connect so that neither
 * depends on the other having started first).
 *
 * @throws {@link TopologyMismatchError} when the dead-letter queue exists with the arguments of
 * an earlier version; the channel is closed by then (the broker closes it on a mismatch).
 */
export async function declareTopology(channel: Channel, topology: Topology): Promise<void> {
  const quorum = topology.queueType === 'quorum';
  await channel.assertExchange(topology.exchange, 'direct', { durable: true });
  await channel.assertExchange(topology.deadLetterExchange, 'fanout', { durable: true });
  await declareDeadLetterQueue(channel, topology);
  await channel.bindQueue(topology.deadLetterQueue, topology.deadLetterExchange, '');
  await channel.assertQueue(topology.queue, {
    durable: true,
    arguments: {
      'x-queue-type': topology.queueType,
      'x-dead-letter-exchange': topology.deadLetterExchange,
      ...(quorum && {
        ...(topology.queueReplicas > 0 && { 'x-quorum-initial-group-size': topology.queueReplicas }),
        'x-delivery-limit': topology.deliveryLimit,
        // At-least-once dead-lettering: the broker keeps a message until the dead-letter
        // queue has confirmed it (it requires reject-publish overflow).
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
      }),
    },
  });
  await channel.bindQueue(topology.queue, topology.exchange, topology.routingKey);
}

/**
 * Declares a dead-letter queue of the topology, `deadLetterQueue` or another name (a queue
 * that stands in for it while it is redeclared), unbound: of the main queue's type, replicated
 * like it, with {@link DEAD_LETTER_DELIVERY_LIMIT} when it is a quorum queue (classic queues
 * have no delivery limit).
 *
 * @throws {@link TopologyMismatchError} when the queue exists with other arguments.
 */
export async function declareDeadLetterQueue(
  channel: Channel,
  topology: Topology,
  queue = topology.deadLetterQueue,
): Promise<void> {
  const quorum = topology.queueType === 'quorum';
  try {
    await channel.assertQueue(queue, {
      durable: true,
      arguments: {
        'x-queue-type': topology.queueType,
        ...(quorum && {
          ...(topology.queueReplicas > 0 && { 'x-quorum-initial-group-size': topology.queueReplicas }),
          'x-delivery-limit': DEAD_LETTER_DELIVERY_LIMIT,
        }),
      },
    });
  } catch (err) {
    if ((err as { code?: unknown }).code === 406) throw new TopologyMismatchError(queue, (err as Error).message);
    throw err;
  }
}
