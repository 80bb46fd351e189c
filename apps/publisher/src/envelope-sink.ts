import type { OutgoingMessage } from '@sensors/messaging';
import { ENVELOPE_CONTENT_TYPE, MAX_ENVELOPE_BYTES, envelopeBytes, formatSensorEnvelope } from '@sensors/sensor-model';
import type { ReadingSink } from './publish-readings';
import type { ReadingValue } from './to-reading-message';

export interface EnvelopeSinkOptions {
  /** Where envelopes go: the confirm publisher. */
  target: ReadingSink;
  /** An envelope is sealed as soon as it holds this many readings… */
  size: number;
  /** …or once its first reading has waited this long, in milliseconds. */
  lingerMs: number;
  /** Unconfirmed readings at most, those in the open envelope included. */
  maxUnconfirmed: number;
  /** Largest envelope body, in bytes (default `MAX_ENVELOPE_BYTES`). */
  maxBytes?: number;
}

/** How a sender is told of its message's fate; it must not throw. */
type Settled<M = OutgoingMessage> = (message: M, err?: Error) => void;

/** A reading in an envelope: its JSON text, or the reading itself, serialized with the envelope. */
type EnvelopedReading =
  | { message: OutgoingMessage; settled: Settled }
  | { value: ReadingValue; settled: Settled<ReadingValue> };

function idOf(waiting: EnvelopedReading): string {
  return 'value' in waiting ? waiting.value.id : waiting.message.id;
}

/**
 * A {@link ReadingSink} that packs readings into envelopes: each published reading joins the
 * open envelope, which is sent as one message when it holds `size` readings, would outgrow
 * `maxBytes`, or `lingerMs` after its first reading, whichever comes first. A reading's promise
 * resolves (or rejects) with its envelope's confirm, so every caller's meaning of "confirmed"
 * is unchanged.
 *
 * The window counts readings, not envelopes: memory stays bounded by `maxUnconfirmed` readings
 * whatever the envelope size.
 */
export class EnvelopeSink implements ReadingSink {
  private open: EnvelopedReading[] = [];
  private openBytes = 0;
  /** Readings of the open envelope that are not serialized yet. */
  private openValues = 0;
  private timer: NodeJS.Timeout | undefined;
  private unconfirmedCount = 0;
  private waiters: (() => void)[] = [];
  private readonly maxBytes: number;

  constructor(private readonly options: EnvelopeSinkOptions) {
    this.maxBytes = options.maxBytes ?? MAX_ENVELOPE_BYTES;
  }

  /** Readings published and not yet confirmed or refused, in open envelopes included. */
  get unconfirmed(): number {
    return this.unconfirmedCount;
  }

  whenWritable(): Promise<void> {
    // Called for every reading: while there is room, no async frame of its own.
    return this.unconfirmedCount < this.options.maxUnconfirmed
      ? this.options.target.whenWritable()
      : this.waitForRoom();
  }

  isWritable(): boolean {
    return this.unconfirmedCount < this.options.maxUnconfirmed && this.options.target.isWritable?.() === true;
  }

  private async waitForRoom(): Promise<void> {
    while (this.unconfirmedCount >= this.options.maxUnconfirmed) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    await this.options.target.whenWritable();
  }

  publish(message: OutgoingMessage): Promise<void> {
    return new Promise((resolve, reject) => this.publishWith(message, (_, err) => (err ? reject(err) : resolve())));
  }

  /** Like {@link EnvelopeSink.publish}, without a promise: `settled` is told once the envelope is confirmed or refused. */
  publishWith(message: OutgoingMessage, settled: Settled): void {
    const bytes = typeof message.body === 'string' ? Buffer.byteLength(message.body) : message.body.length;
    if (this.open.length > 0 && envelopeBytes(this.open.length + 1, this.openBytes + bytes) > this.maxBytes) {
      this.seal();
    }
    this.unconfirmedCount++;
    this.open.push({ message, settled });
    this.openBytes += bytes;
    this.opened();
  }

  /**
   * Like {@link EnvelopeSink.publishWith}, for a reading not serialized yet: the envelope
   * serializes all its readings in one `JSON.stringify` (the text of each is the same as
   * alone), and is split in two if that outgrows `maxBytes`.
   */
  publishValueWith(value: ReadingValue, settled: Settled<ReadingValue>): void {
    this.unconfirmedCount++;
    this.open.push({ value, settled });
    this.openValues++;
    this.opened();
  }

  private opened(): void {
    if (this.open.length >= this.options.size) this.seal();
    else if (this.open.length === 1) this.timer = setTimeout(() => this.seal(), this.options.lingerMs);
  }

  /** Sends the open envelope now, e.g. once the source has ended. */
  seal(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const readings = this.open;
    if (readings.length === 0) return;
    const values = this.openValues;
    this.open = [];
    this.openBytes = 0;
    this.openValues = 0;
    this.send(readings, values);
  }

  private send(readings: EnvelopedReading[], values: number): void {
    let body: Buffer;
    if (values === 0) {
      body = asBuffer(formatSensorEnvelope(readings.map((r) => (r as { message: OutgoingMessage }).message.body)));
    } else {
      body =
        values === readings.length
          ? Buffer.from(JSON.stringify({ readings: readings.map((r) => (r as { value: ReadingValue }).value.reading) }))
          : asBuffer(
              formatSensorEnvelope(
                readings.map((r) => ('value' in r ? JSON.stringify(r.value.reading) : r.message.body)),
              ),
            );
      // Their size was not known before: split an envelope that outgrew the limit.
      if (body.length > this.maxBytes && readings.length > 1) {
        const half = readings.length >> 1;
        const first = readings.slice(0, half);
        const second = readings.slice(half);
        this.send(first, first.filter((r) => 'value' in r).length);
        this.send(second, second.filter((r) => 'value' in r).length);
        return;
      }
    }
    const envelope: OutgoingMessage = {
      // Unique as long as reading ids are, and the same on every resend (the message is kept as is).
      id: `${idOf(readings[0])}+${readings.length}`,
      body,
      contentType: ENVELOPE_CONTENT_TYPE,
    };
    this.options.target.publish(envelope).then(
      () => this.settle(readings),
      (err: Error) => this.settle(readings, err),
    );
  }

  private settle(readings: EnvelopedReading[], err?: Error): void {
    this.unconfirmedCount -= readings.length;
    for (const waiting of readings) {
      if ('value' in waiting) waiting.settled(waiting.value, err);
      else waiting.settled(waiting.message, err);
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** A view of the same bytes as a Buffer, without copying. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
