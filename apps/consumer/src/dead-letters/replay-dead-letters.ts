import { createHash } from 'node:crypto';
import type { ChannelModel, ConfirmChannel, GetMessage, Message, MessageProperties, Options } from 'amqplib';
import { DEAD_LETTER_HEADERS } from '@sensors/sensor-model';
import { PublishRejectedError, type Topology } from '@sensors/messaging';
import { describeDeadLetter, text } from './describe-dead-letter';
import { copyProperties, walkQueue } from './walk-queue';

export interface ReplayDeadLettersOptions {
  /** Replays only the dead letters with this reason (default: every reason). */
  reason?: string;
  /** Replays at most this many (default: all that match); copies removed do not count. */
  limit?: number;
}

/** What {@link replayDeadLetters} did. */
export interface ReplayResult {
  /** Messages now in the main queue again, removed from the dead-letter queue. */
  replayed: number;
  /**
   * Further copies of a message replayed by this run (same message id, same payload), removed
   * from the dead-letter queue once the replayed one was confirmed.
   */
  duplicates: number;
  /** Messages looked at and left in the dead-letter queue (another reason, or past the limit). */
  kept: number;
}

/** Headers the broker adds when it dead-letters or redelivers a message: bookkeeping, not the message's own. */
const BROKER_HEADERS = /^x-(death|first-death-.*|last-death-.*|delivery-count|acquired-count)$/;
const REASON_HEADERS = new Set<string>(Object.values(DEAD_LETTER_HEADERS));

/**
 * Publishes dead letters back to the main exchange, all of them or those with one reason, so
 * that the consumer judges them again (after a fix); a reading already stored is then counted
 * as a duplicate and changes nothing. Each message is sent once: a dead letter that sits in the
 * queue more than once (dead-lettering is at-least-once) is replayed once and its other copies
 * removed.
 *
 * Nothing is lost on the way: each message is republished persistent and mandatory through a
 * confirm channel and removed from the dead-letter queue only once the broker has confirmed
 * it (at worst, an interruption between the two leaves a copy in both queues). Messages not
 * chosen are kept as {@link walkQueue} keeps them, so a replay spends none of their deliveries.
 * One message is replayed at a time.
 *
 * @throws {@link PublishRejectedError} when the broker refuses a replayed message (no queue
 * bound to the exchange, or the main queue full); that message and the rest stay in the
 * dead-letter queue.
 *
 * @example
 * const { replayed, duplicates, kept } = await replayDeadLetters(connection, topology, { reason: 'database-rejected' });
 */
export async function replayDeadLetters(
  connection: ChannelModel,
  topology: Topology,
  { reason, limit = Number.POSITIVE_INFINITY }: ReplayDeadLettersOptions = {},
): Promise<ReplayResult> {
  return walkQueue(connection, topology.deadLetterQueue, async (walk) => {
    const sent = new Set<string>();
    const result: ReplayResult = { replayed: 0, duplicates: 0, kept: 0 };
    const returned = watchReturns(walk.channel);
    while (result.replayed < limit) {
      const message = await walk.next();
      if (!message) break;
      if (reason !== undefined && describeDeadLetter(message.properties).reason !== reason) {
        await walk.keep(message);
        result.kept++;
        continue;
      }
      const key = copyKey(message);
      if (key !== undefined && sent.has(key)) {
        walk.remove(message);
        result.duplicates++;
        continue;
      }
      await replay(walk.channel, topology, message, returned, result.replayed);
      walk.remove(message);
      result.replayed++;
      if (key !== undefined) sent.add(key);
    }
    return result;
  });
}

/**
 * Returns the properties to publish a dead letter with again: its own, without the reason
 * headers (a replayed message is judged afresh) and the broker's bookkeeping (delivery count
 * and `x-death`, so that it gets its full delivery limit again), persistent and mandatory.
 */
export function replayProperties(properties: MessageProperties): Options.Publish {
  const copy = copyProperties(properties);
  return {
    ...copy,
    headers: Object.fromEntries(
      Object.entries((copy.headers ?? {}) as Record<string, unknown>).filter(
        ([name]) => !REASON_HEADERS.has(name) && !BROKER_HEADERS.test(name),
      ),
    ),
    mandatory: true,
  };
}

/**
 * What makes two dead letters copies of one message: the same message id and the same payload.
 * Same id with another payload is another message (a producer reusing an id), replayed too;
 * without an id, copies cannot be told apart, so none is removed.
 */
function copyKey(message: GetMessage): string | undefined {
  const messageId = text(message.properties.messageId);
  if (messageId === undefined) return undefined;
  return `${createHash('sha256').update(message.content).digest('hex')} ${messageId}`;
}

/** The message the broker returned last (unroutable), if any: it sends a return before the confirm. */
function watchReturns(channel: ConfirmChannel): { last: Message | undefined } {
  const returned: { last: Message | undefined } = { last: undefined };
  channel.on('return', (message: Message) => (returned.last = message));
  return returned;
}

async function replay(
  channel: ConfirmChannel,
  topology: Topology,
  message: GetMessage,
  returned: { last: Message | undefined },
  replayedBefore: number,
): Promise<void> {
  returned.last = undefined;
  const nacked = await new Promise<boolean>((resolve, reject) => {
    // What `publish` throws rejects this promise: the executor's own contract.
    channel.publish(
      topology.exchange,
      topology.routingKey,
      message.content,
      replayProperties(message.properties),
      (err: Error | null) => (err && err.message !== 'message nacked' ? reject(err) : resolve(err !== null)),
    );
  });
  if (nacked || returned.last) {
    const id = text(message.properties.messageId) ?? '(no messageId)';
    const detail = returned.last
      ? `no queue is bound to exchange "${topology.exchange}" with routing key "${topology.routingKey}"`
      : `queue "${topology.queue}" did not take it (is it full?)`;
    throw new PublishRejectedError(
      id,
      nacked ? 'nacked' : 'returned',
      `${detail}; it stays in "${topology.deadLetterQueue}", ${replayedBefore} replayed before it`,
    );
  }
}
