import type { Channel } from 'amqplib';

/** The exchange, queue and dead-letter queue readings travel through. */
export interface Topology {
  /** Durable direct exchange the publisher sends to. */
  exchange: string;
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
  exchange?: string;
  queue?: string;
  queueType?: Topology['queueType'];
  deliveryLimit?: number;
  queueReplicas?: number;
}

/**
 * Returns the full topology for an exchange and queue name, with the dead-letter names
 * derived from the queue.
 *
 * @example
 * topologyFor({ queue: 'sensor-readings' }).deadLetterQueue; // 'sensor-readings.dead-letter'
 */
export function topologyFor(options: TopologyOptions = {}): Topology {
  const {
    exchange = 'sensors',
    queue = 'sensor-readings',
    queueType = 'quorum',
    deliveryLimit = 20,
    queueReplicas = 0,
  } = options;
  return {
    exchange,
    routingKey: 'sensor.reading',
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
 */
export async function declareTopology(channel: Channel, topology: Topology): Promise<void> {
  const quorum = topology.queueType === 'quorum';
  await channel.assertExchange(topology.exchange, 'direct', { durable: true });
  await channel.assertExchange(topology.deadLetterExchange, 'fanout', { durable: true });
  await channel.assertQueue(topology.deadLetterQueue, {
    durable: true,
    arguments: { 'x-queue-type': topology.queueType },
  });
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
