import { DEAD_LETTER_HEADERS, envelopeItems } from '@sensors/sensor-model';
import type { DeadLetterReason, Delivery } from '@sensors/messaging';
import { stringifyJson } from './stringify-json';

/**
 * What a queued reading is settled through: its own message (a {@link Delivery} is one), or its
 * envelope, whose message is acked only once all of its readings are settled. One origin serves
 * every reading of its message, so a queued reading costs no object of its own for it.
 */
export interface ReadingOrigin {
  /** One reading of the message is stored. */
  ack(): void;
  /**
   * Dead-letters one reading of the message (`index`: its place in an envelope, whose dead
   * letter is that reading alone, as the envelope carries it), then settles it. Resolves whether
   * it was confirmed.
   */
  deadLetter(reason: DeadLetterReason, index: number): Promise<boolean>;
}

/**
 * Acks an envelope's message once every reading in it is settled: each good one committed, each
 * bad one's dead letter confirmed. Batches may hold part of an envelope, so one batch's commit
 * must not ack the message while its other readings are still waiting for a later batch.
 *
 * When the channel closes first, the remaining count never reaches zero on this delivery; the
 * broker redelivers the envelope, and the readings already stored are absorbed as duplicates.
 */
export class EnvelopeAck implements ReadingOrigin {
  private remaining: number;
  /** The envelope's readings as it carries them, read again once one of them is refused at storage. */
  private received: unknown[] | undefined;

  /** @param readings how many readings the envelope holds, good and bad. */
  constructor(
    private readonly delivery: Delivery,
    readings: number,
  ) {
    this.remaining = readings;
  }

  /** The envelope's message id, e.g. for logs and its parts' dead letters. */
  get messageId(): string {
    return (this.delivery.properties.messageId as string | undefined) ?? '(no message id)';
  }

  /** Settles one reading; the last one acks the envelope's message. */
  ack(): void {
    if (--this.remaining === 0) this.delivery.ack();
  }

  /**
   * Dead-letters the reading at `index` in its wire form, as the envelope carries it: not as it
   * was stored (enriched, unknown fields moved to `extra`), which validation refuses, so that a
   * replay is judged as the reading was. The message's bytes, held until it is acked, are read
   * again for that, once per envelope, as envelope parsing read them (a byte order mark
   * included): bytes it took cannot fail now.
   */
  deadLetter(reason: DeadLetterReason, index: number): Promise<boolean> {
    this.received ??= envelopeItems(this.delivery.content);
    return this.deadLetterReading(index, Buffer.from(stringifyJson(this.received[index])), reason);
  }

  /**
   * Dead-letters the reading at `index` on its own (`json` is its JSON) and settles it once the
   * broker has confirmed that. Resolves whether it was confirmed.
   */
  async deadLetterReading(index: number, json: Buffer, reason: DeadLetterReason): Promise<boolean> {
    const confirmed = await this.delivery.deadLetterPart(
      {
        content: json,
        messageId: `${this.messageId}#${index}`,
        headers: { [DEAD_LETTER_HEADERS.envelope]: this.messageId, [DEAD_LETTER_HEADERS.index]: index },
      },
      reason,
    );
    if (confirmed) this.ack();
    return confirmed;
  }
}
