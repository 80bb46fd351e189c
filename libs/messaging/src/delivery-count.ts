import type { Message } from 'amqplib';

/**
 * Earlier deliveries of a message that ended unsettled, as a quorum queue counts them:
 * `x-delivery-count` on RabbitMQ 3.x, which counts every return; on 4.x, which counts only
 * failed deliveries there, the larger of it and `x-acquired-count`, which counts every return.
 * Trusted only on a message the broker flags as redelivered: on a first delivery those headers
 * are whatever its publisher wrote, and a publisher must not be able to have a message set
 * aside unread, or make the consumer take one message at a time.
 */
export function deliveryCountOf(message: Pick<Message, 'fields' | 'properties'>): number {
  if (!message.fields.redelivered) return 0;
  const headers = message.properties.headers ?? {};
  return Math.max(0, ...[headers['x-delivery-count'], headers['x-acquired-count']].filter(isCount));
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
