import { IllegalOperationError, type ChannelModel, type ConfirmChannel, type Message } from 'amqplib';
import { RETRY_DELAYS, WaitList, backoffDelay } from '@sensors/runtime';
import type { BrokerClient, BrokerConnection } from './broker-connection';
import { declareTopology, type Topology } from './topology';

/** A message to publish: its id becomes the AMQP `messageId`. */
export interface OutgoingMessage {
  id: string;
  /** The payload; a string is sent as UTF-8. */
  body: Buffer | string;
  /** MIME type of the body (default `application/json`). */
  contentType?: string;
  /** AMQP headers, e.g. a dead letter's reason. */
  headers?: Record<string, string>;
}

/** Why the broker refused a message for good (it is not retried); nacked ones are retried. */
export class PublishRejectedError extends Error {
  override readonly name = 'PublishRejectedError';

  constructor(
    readonly messageId: string,
    readonly reason: 'returned' | 'nacked',
    detail: string,
  ) {
    super(`The broker ${reason === 'returned' ? 'returned' : 'refused (nack)'} message ${messageId}: ${detail}`);
  }
}

export interface ConfirmPublisherOptions {
  topology: Topology;
  /** Unconfirmed messages at most (default 2,000). */
  maxUnconfirmed?: number;
  /** Told each time the broker nacks a message, which is then sent again after a delay. */
  onNack?: (messageId: string, nacks: number) => void;
  /**
   * Publishes to the topology's dead-letter exchange instead of its main one: for input
   * refused before it reached the queue, e.g. a publisher's invalid lines (default false).
   */
  toDeadLetterExchange?: boolean;
}

interface UnconfirmedMessage {
  message: OutgoingMessage;
  resolve: () => void;
  reject: (err: Error) => void;
  /** The channel it was last sent on; undefined while waiting to be (re)sent. */
  channel?: ConfirmChannel;
  returned?: string;
  /** Nacks so far: each one delays the next attempt a little more. */
  nacks?: number;
  /** Waiting out the delay after a nack; not to be sent until then. */
  holding?: boolean;
}

/** Nacks of one message after which the publisher opens a fresh channel. */
const NACKS_BEFORE_FRESH_CHANNEL = 3;

/**
 * Publishes persistent, mandatory messages with publisher confirms over a
 * {@link BrokerConnection}, keeping at most `maxUnconfirmed` unconfirmed.
 *
 * A message's promise resolves once the broker has confirmed it (it is then on disk in a
 * durable queue). Messages unconfirmed when a connection is lost are sent again on the next
 * one, so a broker restart loses nothing (and may deliver a message twice: consumers must be
 * idempotent). A message the broker nacks is sent again after a growing delay; one it returns
 * as unroutable is rejected with {@link PublishRejectedError}.
 *
 * @example
 * const publisher = new ConfirmPublisher(connection, { topology });
 * for (const reading of readings) {
 *   await publisher.whenWritable();
 *   void publisher.publish({ id: reading.id, body: Buffer.from(JSON.stringify(reading)) });
 * }
 * await publisher.settled();
 */
export class ConfirmPublisher implements BrokerClient {
  private readonly maxUnconfirmed: number;
  private readonly unconfirmedMessages = new Set<UnconfirmedMessage>();
  private channel: ConfirmChannel | undefined;
  private freshChannelWanted = false;
  private draining = false;
  private readonly waiters = new WaitList();

  constructor(
    private readonly connection: BrokerConnection,
    private readonly options: ConfirmPublisherOptions,
  ) {
    this.maxUnconfirmed = options.maxUnconfirmed ?? 2000;
    connection.register(this);
  }

  /** Messages published and not yet confirmed or rejected. */
  get unconfirmed(): number {
    return this.unconfirmedMessages.size;
  }

  /**
   * Resolves when another message may be published: the window has room and the socket is
   * not backed up. This is the publisher's backpressure: generation waits here while the
   * broker is down, blocked (memory alarm) or slow.
   */
  whenWritable(): Promise<void> {
    // Woken only once it is writable, or once nothing is left unconfirmed (see wakeWaiters).
    return this.isWritable() ? Promise.resolve() : this.waiters.wait();
  }

  /** Whether {@link ConfirmPublisher.whenWritable} would resolve at once: for hot loops, which skip the await. */
  isWritable(): boolean {
    return this.unconfirmedMessages.size < this.maxUnconfirmed && !this.draining;
  }

  /** Publishes one message; resolves when the broker confirms it. */
  publish(message: OutgoingMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const entry: UnconfirmedMessage = { message, resolve, reject };
      this.unconfirmedMessages.add(entry);
      if (this.channel && !this.draining) this.send(entry, this.channel);
    });
  }

  /** Resolves when every message published so far is confirmed or rejected. */
  settled(): Promise<void> {
    return this.waiters.until(() => this.unconfirmedMessages.size === 0);
  }

  async attach(connection: ChannelModel): Promise<void> {
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined); // the close that follows is what matters
    channel.on('close', () => {
      if (this.channel !== channel) return;
      this.detach();
      if (this.freshChannelWanted) {
        this.freshChannelWanted = false;
        this.attach(connection).catch(() => this.connection.recycle());
      } else {
        this.connection.recycle();
      }
    });
    channel.on('return', (returned: Message) => this.markReturned(channel, returned));
    channel.on('drain', () => {
      this.draining = false;
      this.sendWaiting(channel);
    });
    await declareTopology(channel, this.options.topology);
    this.channel = channel;
    this.draining = false;
    this.sendWaiting(channel);
  }

  detach(): void {
    this.channel = undefined;
    for (const entry of this.unconfirmedMessages) entry.channel = undefined;
  }

  private send(entry: UnconfirmedMessage, channel: ConfirmChannel): void {
    const { message } = entry;
    entry.channel = channel;
    entry.returned = undefined;
    const { topology, toDeadLetterExchange } = this.options;
    const [exchange, routingKey] = toDeadLetterExchange
      ? [topology.deadLetterExchange, '']
      : [topology.exchange, topology.routingKey];
    let ready: boolean;
    try {
      ready = channel.publish(
        exchange,
        routingKey,
        typeof message.body === 'string' ? Buffer.from(message.body) : message.body,
        {
          persistent: true,
          mandatory: true,
          messageId: message.id,
          contentType: message.contentType ?? 'application/json',
          headers: message.headers,
          timestamp: Math.floor(Date.now() / 1000),
        },
        (err: Error | null) => this.confirmed(entry, channel, err),
      );
    } catch (err) {
      entry.channel = undefined;
      // A closing channel refuses writes: the message goes out again on the next channel.
      if (err instanceof IllegalOperationError) return;
      this.unconfirmedMessages.delete(entry);
      entry.reject(err as Error);
      this.wakeWaiters();
      return;
    }
    if (!ready) this.draining = true;
  }

  private confirmed(entry: UnconfirmedMessage, channel: ConfirmChannel, err: Error | null): void {
    // A confirm from a channel the entry no longer belongs to is stale: the entry was (or will
    // be) sent again on a newer channel.
    if (entry.channel !== channel || !this.unconfirmedMessages.has(entry)) return;
    if (err && err.message !== 'message nacked') {
      // The channel closed before the broker confirmed: keep it for the next channel.
      entry.channel = undefined;
      return;
    }
    if (err) {
      this.retryNacked(entry);
      return;
    }
    this.unconfirmedMessages.delete(entry);
    if (entry.returned) entry.reject(new PublishRejectedError(entry.message.id, 'returned', entry.returned));
    else entry.resolve();
    this.wakeWaiters();
  }

  /**
   * A nack means the broker could not take the message just then (e.g. a quorum queue electing
   * a new leader after a node loss, or a full queue refusing publishes): send it again after a
   * growing delay rather than give up on it.
   */
  private retryNacked(entry: UnconfirmedMessage): void {
    entry.channel = undefined;
    entry.holding = true;
    entry.nacks = (entry.nacks ?? 0) + 1;
    this.options.onNack?.(entry.message.id, entry.nacks);
    // A RabbitMQ 3.x channel that saw a quorum queue reject publishes may keep nacking after the
    // queue recovers; a fresh channel asks the queue anew.
    if (entry.nacks % NACKS_BEFORE_FRESH_CHANNEL === 0 && this.channel && !this.freshChannelWanted) {
      this.freshChannelWanted = true;
      void this.channel.close().catch(() => undefined);
    }
    setTimeout(
      () => {
        entry.holding = false;
        if (this.channel && !this.draining && this.unconfirmedMessages.has(entry) && !entry.channel)
          this.send(entry, this.channel);
      },
      backoffDelay(entry.nacks - 1, RETRY_DELAYS.resend),
    ).unref();
  }

  private markReturned(channel: ConfirmChannel, returned: Message): void {
    const id = returned.properties.messageId as string | undefined;
    // A returned message's fields carry the broker's reply, which the typings leave out.
    const fields = returned.fields as Message['fields'] & { replyCode?: number; replyText?: string };
    const detail = `${fields.replyCode} ${fields.replyText} (exchange "${fields.exchange}", routing key "${fields.routingKey}")`;
    for (const entry of this.unconfirmedMessages) {
      if (entry.channel === channel && entry.message.id === id && !entry.returned) {
        entry.returned = detail;
        return;
      }
    }
  }

  private sendWaiting(channel: ConfirmChannel): void {
    for (const entry of this.unconfirmedMessages) {
      if (this.draining || this.channel !== channel) break;
      if (!entry.channel && !entry.holding) this.send(entry, channel);
    }
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    if (this.isWritable() || this.unconfirmedMessages.size === 0) this.waiters.wakeAll();
  }
}
