import type { ChannelModel, ConfirmChannel, GetMessage, Message, MessageProperties, Options } from 'amqplib';
import { PublishRejectedError } from './confirm-publisher';
import { DEAD_LETTER_HEADERS } from './queue-consumer';
import { declareTopology, type Topology } from './topology';

/** Why a message sits in the dead-letter queue, read from its headers. */
export interface DeadLetterDescription {
  /**
   * The consumer's code (`invalid-reading`, `unsupported-content-type`, `database-rejected`),
   * the broker's reason with dashes when the broker dead-lettered it (`delivery-limit` after
   * too many deliveries, `expired`, `maxlen`, `rejected`), or `unknown`.
   */
  reason: string;
  /** What is wrong, for a person (the consumer's `x-sensors-error`, or a sentence about `x-death`). */
  error: string | undefined;
  /** Fields at fault, as the consumer named them. */
  fields: string[];
  /** The queue the message was dead-lettered from. */
  sourceQueue: string | undefined;
  /** When it was dead-lettered, as an ISO-8601 time. */
  deadLetteredAt: string | undefined;
}

/** One dead letter as {@link inspectDeadLetters} shows it: its reason and the exact payload. */
export interface DeadLetterSample extends DeadLetterDescription {
  messageId: string | undefined;
  contentType: string | undefined;
  /** The payload byte for byte, as it was first published. */
  payload: Buffer;
}

/** What the dead-letter queue holds. */
export interface DeadLetterReport {
  /** Messages looked at: those ready in the queue when the inspection started. */
  total: number;
  /** How many of them there are per {@link DeadLetterDescription.reason}. */
  byReason: Record<string, number>;
  /** The first few of each reason, in queue order. */
  samples: DeadLetterSample[];
}

export interface InspectDeadLettersOptions {
  /** Samples kept per reason (default 3; 0 for counts only). */
  sample?: number;
}

export interface ReplayDeadLettersOptions {
  /** Replays only the dead letters with this reason (default: every reason). */
  reason?: string;
  /** Replays at most this many (default: all that match). */
  limit?: number;
}

/** What {@link replayDeadLetters} did. */
export interface ReplayResult {
  /** Messages now in the main queue again, removed from the dead-letter queue. */
  replayed: number;
  /** Messages looked at and left in the dead-letter queue (another reason, or past the limit). */
  kept: number;
}

/** Headers the broker adds when it dead-letters or redelivers a message: bookkeeping, not the message's own. */
const BROKER_HEADERS = /^x-(death|first-death-.*|last-death-.*|delivery-count)$/;
const SENSORS_HEADERS = new Set<string>(Object.values(DEAD_LETTER_HEADERS));

/**
 * Reads why a message was dead-lettered from its headers: the consumer's `x-sensors-*` headers
 * first (they are the latest word when a message was dead-lettered more than once), then the
 * broker's own `x-death`.
 *
 * @example
 * describeDeadLetter(message.properties).reason; // 'invalid-reading', or 'delivery-limit'
 */
export function describeDeadLetter(properties: Pick<MessageProperties, 'headers'>): DeadLetterDescription {
  const headers = properties.headers ?? {};
  const code = text(headers[DEAD_LETTER_HEADERS.code]);
  if (code) {
    const fields = text(headers[DEAD_LETTER_HEADERS.fields]);
    return {
      reason: code,
      error: text(headers[DEAD_LETTER_HEADERS.message]),
      fields: fields ? fields.split(',') : [],
      sourceQueue: text(headers[DEAD_LETTER_HEADERS.queue]),
      deadLetteredAt: text(headers[DEAD_LETTER_HEADERS.at]),
    };
  }
  const death = latestDeath(headers['x-death']);
  if (death) {
    const brokerReason = text(death['reason']) ?? 'unknown';
    const queue = text(death['queue']);
    const count = typeof death['count'] === 'number' ? death['count'] : undefined;
    const seconds = timestampSeconds(death['time']);
    return {
      reason: brokerReason.replace(/_/g, '-'),
      error:
        `The broker dead-lettered it from "${queue ?? '?'}" (${brokerReason}` +
        `${count === undefined ? '' : `, ${count} time${count === 1 ? '' : 's'}`})` +
        (brokerReason === 'delivery_limit'
          ? ': consumers took it too many times without acking it (they crashed, were killed or lost' +
            ' their connection while holding it); look for that in their logs, then replay it'
          : ''),
      fields: [],
      sourceQueue: queue,
      deadLetteredAt: seconds === undefined ? undefined : new Date(seconds * 1000).toISOString(),
    };
  }
  return { reason: 'unknown', error: undefined, fields: [], sourceQueue: undefined, deadLetteredAt: undefined };
}

/**
 * Returns the properties to publish a dead letter with again: its own, without the reason
 * headers (a replayed message is judged afresh) and the broker's bookkeeping (delivery count
 * and `x-death`, so that it gets its full delivery limit again), persistent and mandatory.
 * `userId` is left out because the broker refuses a message whose `userId` is not the
 * publishing connection's user.
 */
export function replayProperties(properties: MessageProperties): Options.Publish {
  const headers = Object.fromEntries(
    Object.entries(properties.headers ?? {}).filter(
      ([name]) => !SENSORS_HEADERS.has(name) && !BROKER_HEADERS.test(name),
    ),
  );
  const own: Options.Publish = {
    contentType: properties.contentType,
    contentEncoding: properties.contentEncoding,
    priority: properties.priority,
    correlationId: properties.correlationId,
    replyTo: properties.replyTo,
    expiration: properties.expiration,
    messageId: properties.messageId,
    timestamp: properties.timestamp,
    type: properties.type,
    appId: properties.appId,
  };
  return {
    ...Object.fromEntries(Object.entries(own).filter(([, value]) => value !== undefined)),
    headers,
    persistent: true,
    mandatory: true,
  };
}

/**
 * Counts the dead-letter queue's messages by reason and returns a few of each, leaving every
 * message where it was.
 *
 * Messages are taken with `basic.get` without acking and handed back with `basic.nack`
 * (requeue) at the end, so an interrupted inspection loses nothing: the broker requeues
 * whatever its closed channel held. Only the messages ready at the start are looked at, so
 * dead letters arriving meanwhile cannot keep it running forever.
 *
 * @example
 * const report = await inspectDeadLetters(connection, topologyFor({ queue: 'sensor-readings' }), { sample: 5 });
 * report.byReason; // { 'invalid-reading': 12, 'delivery-limit': 1 }
 */
export async function inspectDeadLetters(
  connection: ChannelModel,
  topology: Topology,
  { sample = 3 }: InspectDeadLettersOptions = {},
): Promise<DeadLetterReport> {
  return withDeadLetters(connection, topology, async (channel, take) => {
    const byReason: Record<string, number> = {};
    const samples: DeadLetterSample[] = [];
    let total = 0;
    for (let message = await take(); message; message = await take()) {
      total++;
      const description = describeDeadLetter(message.properties);
      const seen = (byReason[description.reason] ?? 0) + 1;
      byReason[description.reason] = seen;
      if (seen <= sample) samples.push(toSample(message, description));
    }
    return { total, byReason, samples };
  });
}

/**
 * Publishes dead letters back to the main exchange, all of them or those with one reason, so
 * that the consumer judges them again (after a fix); a reading already stored is then counted
 * as a duplicate and changes nothing.
 *
 * Nothing is lost on the way: each message is republished persistent and mandatory through a
 * confirm channel and removed from the dead-letter queue only once the broker has confirmed
 * it (at worst, an interruption between the two leaves a copy in both queues). Messages not
 * chosen stay where they were. One message is in flight at a time.
 *
 * @throws {@link PublishRejectedError} when the broker refuses a replayed message (no queue
 * bound to the exchange, or the main queue full); that message and the rest stay in the
 * dead-letter queue.
 *
 * @example
 * const { replayed, kept } = await replayDeadLetters(connection, topology, { reason: 'database-rejected' });
 */
export async function replayDeadLetters(
  connection: ChannelModel,
  topology: Topology,
  { reason, limit = Number.POSITIVE_INFINITY }: ReplayDeadLettersOptions = {},
): Promise<ReplayResult> {
  return withDeadLetters(connection, topology, async (channel, take) => {
    let replayed = 0;
    let kept = 0;
    let returned: Message | undefined;
    channel.on('return', (message: Message) => (returned = message));
    while (replayed < limit) {
      const message = await take();
      if (!message) break;
      if (reason !== undefined && describeDeadLetter(message.properties).reason !== reason) {
        kept++;
        continue;
      }
      returned = undefined;
      const nacked = await new Promise<boolean>((resolve, reject) => {
        try {
          channel.publish(
            topology.exchange,
            topology.routingKey,
            message.content,
            replayProperties(message.properties),
            (err: Error | null) => (err && err.message !== 'message nacked' ? reject(err) : resolve(err !== null)),
          );
        } catch (err) {
          reject(err as Error);
        }
      });
      // The broker sends a return before the confirm of the same message.
      if (nacked || returned) {
        const id = String(message.properties.messageId ?? '(no messageId)');
        const detail = returned
          ? `no queue is bound to exchange "${topology.exchange}" with routing key "${topology.routingKey}"`
          : `queue "${topology.queue}" did not take it (is it full?)`;
        throw new PublishRejectedError(
          id,
          nacked ? 'nacked' : 'returned',
          `${detail}; it stays in "${topology.deadLetterQueue}", ${replayed} replayed before it`,
        );
      }
      channel.ack(message);
      replayed++;
    }
    return { replayed, kept };
  });
}

/**
 * Opens a confirm channel with the topology declared and calls `work` with a `take` that gets
 * the next dead letter (unacked), up to the count measured at the start. Whatever `work`
 * neither acked nor settled is handed back to the queue afterwards, whether it succeeded or not.
 */
async function withDeadLetters<T>(
  connection: ChannelModel,
  topology: Topology,
  work: (channel: ConfirmChannel, take: () => Promise<GetMessage | false>) => Promise<T>,
): Promise<T> {
  const channel = await connection.createConfirmChannel();
  let failure: Error | undefined;
  channel.on('error', (err: Error) => (failure = err));
  try {
    await declareTopology(channel, topology);
    let left = (await channel.checkQueue(topology.deadLetterQueue)).messageCount;
    const take = async () => (left-- > 0 ? channel.get(topology.deadLetterQueue, { noAck: false }) : false);
    return await work(channel, take);
  } catch (err) {
    throw failure ?? err;
  } finally {
    // basic.nack, not basic.reject: a requeue that is not a failure, so quorum queues that
    // count failed deliveries (RabbitMQ 4.3+) do not count it.
    try {
      channel.nackAll(true);
    } catch {
      // The channel is already closed: the broker has requeued everything it held.
    }
    await channel.close().catch(() => undefined);
  }
}

function toSample(message: GetMessage, description: DeadLetterDescription): DeadLetterSample {
  return {
    ...description,
    messageId: text(message.properties.messageId),
    contentType: text(message.properties.contentType),
    payload: message.content,
  };
}

function latestDeath(value: unknown): Record<string, unknown> | undefined {
  // The broker puts the most recent dead-lettering first.
  const first: unknown = Array.isArray(value) ? value[0] : undefined;
  return typeof first === 'object' && first !== null ? (first as Record<string, unknown>) : undefined;
}

function timestampSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { value?: unknown }).value === 'number') {
    return (value as { value: number }).value;
  }
  return undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}
