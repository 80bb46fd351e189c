import { DEAD_LETTER_HEADERS } from '@sensors/sensor-model';
import type { DeadLetterReason, Delivery } from '@sensors/messaging';
import type { EnrichedSensorReading } from '@sensors/sensor-model';

/**
 * What a queued reading is settled through: its own message, or its place in an envelope,
 * whose message is acked only once all of its readings are settled.
 */
export interface ReadingOrigin {
  /** The reading is stored. */
  ack(): void;
  /** Dead-letters the reading (a part of an envelope: `reading` as JSON), then settles it. */
  deadLetter(reason: DeadLetterReason, reading: EnrichedSensorReading): Promise<boolean>;
}

/**
 * Acks an envelope's message once every reading in it is settled: each good one committed, each
 * bad one's dead letter confirmed. Batches may hold part of an envelope, so one batch's commit
 * must not ack the message while its other readings are still waiting for a later batch.
 *
 * When the channel closes first, the remaining count never reaches zero on this delivery; the
 * broker redelivers the envelope, and the readings already stored are absorbed as duplicates.
 */
export class EnvelopeAck {
  private remaining: number;

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
  settleOne(): void {
    if (--this.remaining === 0) this.delivery.ack();
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
    if (confirmed) this.settleOne();
    return confirmed;
  }

  /** What a good reading at `index` is settled through once queued for its batch. */
  reading(index: number): ReadingOrigin {
    return new EnvelopeReading(this, index);
  }
}

/** A good reading of an envelope, waiting for its batch. */
class EnvelopeReading implements ReadingOrigin {
  constructor(
    private readonly envelope: EnvelopeAck,
    private readonly index: number,
  ) {}

  ack(): void {
    this.envelope.settleOne();
  }

  deadLetter(reason: DeadLetterReason, reading: unknown): Promise<boolean> {
    return this.envelope.deadLetterReading(this.index, Buffer.from(JSON.stringify(reading)), reason);
  }
}
