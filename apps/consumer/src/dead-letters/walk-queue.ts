import type { ChannelModel, ConfirmChannel, GetMessage, MessageProperties, Options } from 'amqplib';
import { deadLetterProperties } from '@sensors/messaging';

/** What {@link walkQueue} hands its work: the queue's messages one by one, and what to do with each. */
export interface QueueWalk {
  /** The confirm channel the messages are taken on, to publish them elsewhere (replay). */
  readonly channel: ConfirmChannel;
  /**
   * Takes the next message, held unacked; `false` once every message that was ready when the
   * walk began has been taken (messages arriving meanwhile are left for the next walk).
   */
  next(): Promise<GetMessage | false>;
  /**
   * Keeps a message taken: publishes a copy (payload byte for byte, same properties and
   * headers) to the back of the walk's target queue and acks the original once the broker has
   * confirmed the copy. Resolves once the copy is sent; waits first while 32 copies are
   * unconfirmed, which bounds the messages held.
   */
  keep(message: GetMessage): Promise<void>;
  /** Removes a message taken (acks it). */
  remove(message: GetMessage): void;
}

export interface WalkQueueOptions {
  /** Where {@link QueueWalk.keep} puts copies (default: the walked queue itself, at its back). */
  copiesTo?: string;
}

/** Thrown when the broker would not take some copies: their originals were handed back instead. */
export class UncopiedMessagesError extends Error {
  constructor(
    readonly queue: string,
    readonly count: number,
  ) {
    super(
      `the broker refused the copies of ${count} message${count === 1 ? '' : 's'} of "${queue}"; ` +
        `the originals were handed back to it as they were (nothing is lost); run the command again`,
    );
    this.name = 'UncopiedMessagesError';
  }
}

const MAX_UNCONFIRMED_COPIES = 32;

/** Properties a copy sets anew rather than take over: its headers and its persistence. */
const SET_ANEW = new Set(['headers', 'deliveryMode']);

/**
 * Headers the broker sets on each delivery of a quorum queue: bookkeeping of the original's
 * deliveries, which a copy (a new message to the broker) starts afresh.
 */
const DELIVERY_HEADERS = new Set(['x-delivery-count', 'x-acquired-count']);

/**
 * Walks a queue without handing any message back to it, so that reading it spends none of its
 * messages' deliveries. A message handed back (`basic.reject` or `basic.nack` with requeue, or
 * a channel closed while holding it) counts as a delivery on a RabbitMQ 3.x quorum queue, and
 * from 4.0 on every quorum queue has a delivery limit (20 unless declared otherwise), past which
 * the broker drops the message; RabbitMQ 4.3 stops counting `basic.nack` but still counts a
 * `basic.reject` and a lost channel
 * (https://www.rabbitmq.com/docs/quorum-queues#poison-message-handling, "When is delivery count
 * incremented?"). A message {@link QueueWalk.keep kept} is copied and the original acked
 * instead, which counts nowhere.
 *
 * The price is at-least-once: if the walk is cut off between a copy's confirm and its
 * original's ack (a crash, a lost connection), the broker hands the original back and both stay.
 * Messages neither kept nor removed when `work` ends (it threw, or a copy was refused) are
 * handed back with `basic.nack`, which RabbitMQ 4.3 and later do not count.
 *
 * Each message is a `basic.get` round trip: give it a connection opened with `noDelay: true`,
 * or Nagle's algorithm holds each request back behind the copy sent before it.
 */
export async function walkQueue<T>(
  connection: ChannelModel,
  queue: string,
  work: (walk: QueueWalk) => Promise<T>,
  { copiesTo = queue }: WalkQueueOptions = {},
): Promise<T> {
  const channel = await connection.createConfirmChannel();
  let failure: Error | undefined;
  channel.on('error', (err: Error) => (failure = err));
  const unconfirmed = new Set<Promise<void>>();
  let uncopied = 0;
  try {
    let left = (await channel.checkQueue(queue)).messageCount;
    const walk: QueueWalk = {
      channel,
      next: async () => (left-- > 0 ? channel.get(queue, { noAck: false }) : false),
      keep: async (message) => {
        while (unconfirmed.size >= MAX_UNCONFIRMED_COPIES) await Promise.race(unconfirmed);
        const copied = new Promise<void>((resolve) => {
          const settle = (err: unknown) => {
            if (err) uncopied++;
            else channel.ack(message);
            resolve();
          };
          try {
            channel.sendToQueue(copiesTo, message.content, copyProperties(message.properties), settle);
          } catch (err) {
            settle(err);
          }
        });
        unconfirmed.add(copied);
        void copied.then(() => unconfirmed.delete(copied));
      },
      remove: (message) => channel.ack(message),
    };
    const result = await work(walk);
    await Promise.all(unconfirmed);
    if (uncopied > 0) throw new UncopiedMessagesError(queue, uncopied);
    return result;
  } catch (err) {
    throw failure ?? err;
  } finally {
    // Copies still unconfirmed decide whether their originals are acked: wait for them first.
    await Promise.all(unconfirmed);
    try {
      channel.nackAll(true);
    } catch {
      // The channel is already closed: the broker has taken back everything it held.
    }
    await channel.close().catch(() => undefined);
  }
}

/**
 * The properties a copy of a message is published with: those a dead letter takes over
 * ({@link deadLetterProperties}: no `expiration`, no `userId`), persistent, without the
 * broker's delivery bookkeeping in its headers.
 */
export function copyProperties(properties: MessageProperties): Options.Publish {
  const own = Object.entries(deadLetterProperties(properties)).filter(([name]) => !SET_ANEW.has(name));
  return {
    ...Object.fromEntries(own),
    headers: Object.fromEntries(
      Object.entries(properties.headers ?? {}).filter(([name]) => !DELIVERY_HEADERS.has(name)),
    ),
    persistent: true,
  };
}
