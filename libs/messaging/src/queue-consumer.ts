import {
  IllegalOperationError,
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type ConsumeMessage,
  type MessageProperties,
  type Options,
} from 'amqplib';
import type { BrokerClient, BrokerConnection } from './broker-connection';
import { AckTracker } from './ack-tracker';
import { deliveryCountOf } from './delivery-count';
import { declareTopology, type Topology } from './topology';

/** Why a message was dead-lettered, carried in its headers for the person who reads the queue. */
export interface DeadLetterReason {
  /** A short stable code for counting, e.g. `invalid-reading`. */
  code: string;
  /** What is wrong, for a person. */
  message: string;
  /** Fields at fault, if known. */
  fields?: readonly string[];
}

/** Header names under which {@link Delivery.deadLetter} records the reason. */
export interface DeadLetterHeaderNames {
  /** `true` when the original headers did not fit and were left out of the dead letter. */
  headersCut: string;
  /** {@link DeadLetterReason.code}. */
  code: string;
  /** {@link DeadLetterReason.message}. */
  message: string;
  /** {@link DeadLetterReason.fields}, comma-separated. */
  fields: string;
  /** The queue the message was taken from. */
  queue: string;
  /** When it was dead-lettered, as an ISO 8601 time. */
  at: string;
}

/** The header names a {@link QueueConsumer} uses unless told others. */
export const DEFAULT_DEAD_LETTER_HEADERS: DeadLetterHeaderNames = {
  headersCut: 'x-headers-cut',
  code: 'x-dead-letter-reason',
  message: 'x-dead-letter-error',
  fields: 'x-dead-letter-fields',
  queue: 'x-dead-letter-source-queue',
  at: 'x-dead-lettered-at',
};

/** A piece of a message dead-lettered on its own, e.g. one bad reading of an envelope. */
export interface DeadLetterPart {
  content: Buffer;
  messageId: string;
  /** Its content type (default `application/json`). */
  contentType?: string;
  /** Headers added to the reason's, e.g. where in the message the part was. */
  headers?: Record<string, string | number>;
}

/** A message taken from the queue, to be acked once it is safe or dead-lettered. */
export interface Delivery {
  readonly content: Buffer;
  readonly properties: MessageProperties;
  readonly redelivered: boolean;
  /**
   * Earlier deliveries that ended unsettled, as a quorum queue counts them (`x-delivery-count`
   * on RabbitMQ 3.x, `x-acquired-count` from 4.0); 0 on a classic queue, which does not count,
   * and on a message not {@link Delivery.redelivered}, whose such headers only its publisher set.
   */
  readonly deliveryCount: number;
  /**
   * Whether its channel has closed: the broker will deliver the message again, so a message
   * still waiting to be read may be dropped instead.
   */
  readonly stale: boolean;
  /** Acknowledges the message; a no-op once its channel has closed (it will be redelivered). */
  ack(): void;
  /**
   * Publishes the original payload and properties with the reason to the dead-letter queue
   * (less `expiration` and `userId`, which would make the broker drop or refuse it) and, once
   * the broker has confirmed that, acks the message. Resolves `false` when the channel closed
   * first (the message will be redelivered and judged again).
   */
  deadLetter(reason: DeadLetterReason): Promise<boolean>;
  /**
   * Publishes a part of the message (e.g. one bad reading of an envelope) with the reason to
   * the dead-letter queue, without acking the message. Resolves `true` once the broker has
   * confirmed it, `false` when the channel closed first (the whole message will be redelivered).
   */
  deadLetterPart(part: DeadLetterPart, reason: DeadLetterReason): Promise<boolean>;
}

export interface QueueConsumerOptions {
  topology: Topology;
  /** Unacked deliveries the broker may push at once, to begin with; bounds memory (default 2,000). */
  prefetch?: number;
  /**
   * Called for each message, in delivery order. It must eventually ack or dead-letter it. What
   * it throws never reaches amqplib: the message is dead-lettered with the error instead.
   */
  onMessage: (delivery: Delivery) => void;
  /** Told about each error thrown by `onMessage`, before the message is dead-lettered with it. */
  onMessageError?: (delivery: Delivery, err: unknown) => void;
  /** The reason code of a message whose `onMessage` threw (default `consumer-error`). */
  errorCode?: string;
  /** Where dead letters carry their reason (default {@link DEFAULT_DEAD_LETTER_HEADERS}). */
  deadLetterHeaders?: DeadLetterHeaderNames;
}

const MAX_REASON_LENGTH = 2000;

/**
 * Consumes the topology's queue over a {@link BrokerConnection} with manual acks, resubscribing
 * after every reconnect. Acks are coalesced into `multiple` acks of settled runs, so a batch
 * acked after its database commit costs one frame.
 */
export class QueueConsumer implements BrokerClient {
  private channel: ConfirmChannel | undefined;
  private acks: AckTracker | undefined;
  private consumerTag: string | undefined;
  private channelState: ChannelState | undefined;
  private stopped = false;
  private wantedPrefetch: number;
  private appliedPrefetch: number | undefined;
  private applying: Promise<void> | undefined;
  /** Taking one message at a time, acked alone, while redelivered ones arrive. */
  private isolating = true;

  constructor(
    private readonly connection: BrokerConnection,
    private readonly options: QueueConsumerOptions,
  ) {
    this.wantedPrefetch = options.prefetch ?? 2000;
    connection.register(this);
  }

  /**
   * The prefetch in force, or about to be: 1 after each (re)connect and whenever a redelivered
   * message arrives, until a message arrives that was never delivered before; otherwise the one
   * asked for with {@link QueueConsumer.setPrefetch}. Messages redelivered after a crash are so
   * taken one at a time, each acked alone, so that a message that kills the process gains
   * deliveries and its neighbours do not.
   */
  get prefetch(): number {
    return this.isolating ? 1 : this.wantedPrefetch;
  }

  /** Whether the consumer is taking one message at a time (see {@link QueueConsumer.prefetch}). */
  get isolatingRedeliveries(): boolean {
    return this.isolating;
  }

  /**
   * Changes how many unacked deliveries the broker may push at once, e.g. to hold fewer
   * messages when each carries many readings. The broker applies a prefetch to consumers that
   * start after it, so this subscribes again on the same channel: deliveries already made stay
   * on it and are acked as usual, on top of the new subscription's prefetch until then. Calls in
   * quick succession are applied in turn, the last wins. Resolves once applied (or, while
   * disconnected, left for the next connection).
   */
  setPrefetch(count: number): Promise<void> {
    this.wantedPrefetch = count;
    return this.applyWanted();
  }

  private applyWanted(): Promise<void> {
    this.applying ??= this.applyPrefetch().finally(() => {
      this.applying = undefined;
      // A wish made while the last round was returning; a new channel applies its own.
      if (this.appliedPrefetch !== undefined && this.appliedPrefetch !== this.prefetch && !this.stopped) {
        void this.applyWanted();
      }
    });
    return this.applying;
  }

  private async applyPrefetch(): Promise<void> {
    while (this.appliedPrefetch !== this.prefetch) {
      const { channel, acks, consumerTag, channelState } = this;
      // Not subscribed: the next attach applies the wanted prefetch.
      if (!channel || !acks || !consumerTag || !channelState || this.stopped) return;
      const count = this.prefetch;
      try {
        await channel.prefetch(count);
        await channel.cancel(consumerTag);
        if (this.channel !== channel || this.stopped) return;
        this.consumerTag = undefined;
        const tag = await this.subscribe(channel, acks, channelState);
        if (this.channel !== channel) return;
        this.consumerTag = tag;
        this.appliedPrefetch = count;
      } catch {
        // The channel closed meanwhile: the next attach subscribes with the wanted prefetch.
        return;
      }
    }
  }

  async attach(connection: ChannelModel): Promise<void> {
    if (this.stopped) return;
    const channel = await connection.createConfirmChannel();
    const state: ChannelState = { closed: false };
    channel.on('error', () => undefined);
    channel.on('close', () => {
      state.closed = true;
      if (this.channel === channel) this.detach();
      if (!this.stopped) this.connection.recycle();
    });
    await declareTopology(channel, this.options.topology);
    // What the last connection left unacked comes back first: take it one message at a time.
    this.isolating = true;
    const prefetch = this.prefetch;
    await channel.prefetch(prefetch);
    const acks = new AckTracker((upTo) => ackUpTo(channel, upTo));
    this.channel = channel;
    this.acks = acks;
    this.appliedPrefetch = prefetch;
    this.channelState = state;
    this.consumerTag = await this.subscribe(channel, acks, state);
    if (this.prefetch !== prefetch) void this.applyWanted();
  }

  private async subscribe(channel: ConfirmChannel, acks: AckTracker, state: ChannelState): Promise<string> {
    const { consumerTag } = await channel.consume(this.options.topology.queue, (message) => {
      if (message === null) {
        // The broker cancelled us (queue deleted or its leader moved away): start afresh.
        this.connection.recycle();
        return;
      }
      acks.delivered(message.fields.deliveryTag);
      const delivery = new ChannelDelivery(
        channel,
        state,
        acks,
        message,
        this.options.topology,
        this.options.deadLetterHeaders ?? DEFAULT_DEAD_LETTER_HEADERS,
      );
      // The broker's flag alone: a delivery count in the headers of a first delivery is the publisher's.
      if (delivery.redelivered !== this.isolating) {
        this.isolating = delivery.redelivered;
        void this.applyWanted();
      }
      this.handle(delivery);
    });
    return consumerTag;
  }

  /** The message boundary: nothing thrown for one message reaches amqplib or its neighbours. */
  private handle(delivery: Delivery): void {
    try {
      this.options.onMessage(delivery);
    } catch (err) {
      try {
        this.options.onMessageError?.(delivery, err);
      } catch {
        // A failing report of the failure must not stop the dead letter.
      }
      void delivery.deadLetter({ code: this.options.errorCode ?? 'consumer-error', message: describeError(err) });
    }
  }

  detach(): void {
    this.channel = undefined;
    this.acks = undefined;
    this.consumerTag = undefined;
    this.channelState = undefined;
    this.appliedPrefetch = undefined;
  }

  /** Messages delivered on the current channel and not yet acked. */
  get unacked(): number {
    return this.acks?.unacked ?? 0;
  }

  /** Messages ready in the queue, as the broker counts them; undefined while disconnected. */
  async queueDepth(): Promise<number | undefined> {
    const channel = this.channel;
    if (!channel) return undefined;
    try {
      return (await channel.checkQueue(this.options.topology.queue)).messageCount;
    } catch {
      return undefined;
    }
  }

  /** Stops taking new messages; those already delivered can still be acked. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.applying;
    const { channel, consumerTag } = this;
    if (channel && consumerTag) await channel.cancel(consumerTag).catch(() => undefined);
  }

  /**
   * Stops and closes the channel, once the last acks are sent: the broker answers a channel
   * close only after handling what came before it on the channel, whereas it can drop an ack
   * that arrives just before the connection closes, and deliver that message again.
   */
  async close(): Promise<void> {
    await this.stop();
    const { channel } = this;
    this.detach();
    if (channel) await channel.close().catch(() => undefined);
  }
}

/** What the deliveries of one channel share. */
interface ChannelState {
  closed: boolean;
}

/**
 * A delivery on one channel. A class rather than an object of closures, since one is made for
 * every message.
 */
class ChannelDelivery implements Delivery {
  constructor(
    private readonly channel: ConfirmChannel,
    private readonly channelState: ChannelState,
    private readonly acks: AckTracker,
    private readonly message: ConsumeMessage,
    private readonly topology: Topology,
    private readonly headers: DeadLetterHeaderNames,
  ) {}

  get content(): Buffer {
    return this.message.content;
  }

  get properties(): MessageProperties {
    return this.message.properties;
  }

  get redelivered(): boolean {
    return this.message.fields.redelivered;
  }

  get deliveryCount(): number {
    return deliveryCountOf(this.message);
  }

  get stale(): boolean {
    return this.channelState.closed;
  }

  ack(): void {
    this.acks.settle(this.message.fields.deliveryTag);
  }

  async deadLetter(reason: DeadLetterReason): Promise<boolean> {
    const { message } = this;
    const confirmed = await this.publishWithFallback(message.content, deadLetterProperties(message.properties), reason);
    if (confirmed) this.ack();
    return confirmed;
  }

  deadLetterPart(part: DeadLetterPart, reason: DeadLetterReason): Promise<boolean> {
    return this.publishWithFallback(
      part.content,
      {
        messageId: part.messageId,
        contentType: part.contentType ?? 'application/json',
        timestamp: this.message.properties.timestamp as number | undefined,
        headers: part.headers,
      },
      reason,
    );
  }

  /**
   * Publishes the dead letter with the original headers plus the reason's; when the broker
   * cannot take that (amqplib refuses a frame too large, or the broker nacks), publishes it
   * again with the reason's headers only, marked cut. Resolves `false` only when the channel
   * closed: the message is then redelivered and judged again.
   */
  private async publishWithFallback(
    content: Buffer,
    properties: Options.Publish,
    reason: DeadLetterReason,
  ): Promise<boolean> {
    const outcome = await this.publishDeadLetter(content, {
      ...properties,
      headers: this.reasonHeaders(reason, properties.headers as Record<string, unknown> | undefined),
    });
    if (outcome !== 'refused') return outcome === 'confirmed';
    const cut = await this.publishDeadLetter(content, {
      ...properties,
      headers: this.reasonHeaders(reason, { [this.headers.headersCut]: true }),
    });
    return cut === 'confirmed';
  }

  private reasonHeaders(reason: DeadLetterReason, own: Record<string, unknown> | undefined): Record<string, unknown> {
    return {
      ...own,
      [this.headers.code]: reason.code,
      [this.headers.message]: reason.message.slice(0, MAX_REASON_LENGTH),
      [this.headers.fields]: (reason.fields ?? []).join(','),
      [this.headers.queue]: this.topology.queue,
      [this.headers.at]: new Date().toISOString(),
    };
  }

  private publishDeadLetter(content: Buffer, properties: Options.Publish): Promise<PublishOutcome> {
    return new Promise((resolve) => {
      if (this.channelState.closed) return resolve('channel-closed');
      try {
        this.channel.publish(
          this.topology.deadLetterExchange,
          '',
          content,
          { ...properties, persistent: true },
          (err: Error | null) =>
            resolve(!err ? 'confirmed' : err.message === 'message nacked' ? 'refused' : 'channel-closed'),
        );
      } catch (err) {
        resolve(err instanceof IllegalOperationError ? 'channel-closed' : 'refused');
      }
    });
  }
}

/**
 * Properties of a message that its dead letter does not take over: `expiration`, or the dead
 * letter would be dropped from the dead-letter queue once it expired (the broker removes it too
 * when it dead-letters a message itself); `userId`, which the broker accepts only from a
 * connection of that user, closing the channel otherwise.
 */
const NOT_DEAD_LETTERED = new Set(['expiration', 'userId']);

/**
 * The properties a message's dead letter (or any copy of it kept for later) is published with:
 * the message's own, less `expiration` and `userId` (see {@link NOT_DEAD_LETTERED}).
 */
export function deadLetterProperties(properties: MessageProperties): Options.Publish {
  return Object.fromEntries(
    Object.entries(properties).filter(([name, value]) => value !== undefined && !NOT_DEAD_LETTERED.has(name)),
  );
}

type PublishOutcome = 'confirmed' | 'refused' | 'channel-closed';

function describeError(err: unknown): string {
  try {
    return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  } catch {
    return 'an error that cannot be described';
  }
}

function ackUpTo(channel: Channel, deliveryTag: number): void {
  try {
    channel.ack({ fields: { deliveryTag } } as ConsumeMessage, true);
  } catch {
    // The channel closed: the broker requeues everything unacked on it.
  }
}
