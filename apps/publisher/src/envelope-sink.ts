import type { OutgoingMessage } from '@sensors/messaging';
import { ENVELOPE_CONTENT_TYPE, MAX_ENVELOPE_BYTES, envelopeBytes, formatSensorEnvelope } from '@sensors/sensor-model';
import {
  isMessage,
  type MessageTarget,
  type OutgoingReading,
  type ReadingSink,
  type SettledReading,
} from './publish-readings';

export interface EnvelopeSinkOptions {
  /** Where envelopes go: the confirm publisher. */
  target: MessageTarget;
  /** An envelope is sealed as soon as it holds this many readings… */
  size: number;
  /** …or once its first reading has waited this long, in milliseconds. */
  lingerMs: number;
  /** Unconfirmed readings at most, those in the open envelope included. */
  maxUnconfirmed: number;
  /** Largest envelope body, in bytes (default `MAX_ENVELOPE_BYTES`). */
  maxBytes?: number;
}

/** The readings of an envelope and who is told of each one's fate, index for index. */
interface Envelope {
  readings: OutgoingReading[];
  settlers: SettledReading[];
}

/**
 * A {@link ReadingSink} that packs readings into envelopes: each published reading joins the
 * open envelope, which is sent as one message when it holds `size` readings, would outgrow
 * `maxBytes`, or `lingerMs` after its first reading, whichever comes first. Each reading's
 * `settled` is told with its envelope's confirm, so every caller's meaning of "confirmed" is
 * unchanged.
 *
 * Readings given as messages are joined from their JSON text; readings given unserialized are
 * serialized with their envelope in one `JSON.stringify` (the text of each is the same as alone).
 *
 * The window counts readings, not envelopes: memory stays bounded by `maxUnconfirmed` readings
 * whatever the envelope size.
 */
export class EnvelopeSink implements ReadingSink {
  private open: Envelope = { readings: [], settlers: [] };
  /** Bytes of the open envelope's messages; the unserialized readings are measured once serialized. */
  private openBytes = 0;
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
    return this.unconfirmedCount < this.options.maxUnconfirmed && this.options.target.isWritable();
  }

  private async waitForRoom(): Promise<void> {
    while (this.unconfirmedCount >= this.options.maxUnconfirmed) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    await this.options.target.whenWritable();
  }

  publish(reading: OutgoingReading, settled: SettledReading): void {
    const { readings, settlers } = this.open;
    if (isMessage(reading)) {
      const bytes = typeof reading.body === 'string' ? Buffer.byteLength(reading.body) : reading.body.length;
      if (readings.length > 0 && envelopeBytes(readings.length + 1, this.openBytes + bytes) > this.maxBytes) {
        this.seal();
        return this.publish(reading, settled);
      }
      this.openBytes += bytes;
    }
    this.unconfirmedCount++;
    readings.push(reading);
    settlers.push(settled);
    if (readings.length >= this.options.size) this.seal();
    else if (readings.length === 1) this.timer = setTimeout(() => this.seal(), this.options.lingerMs);
  }

  /** Sends the open envelope now, e.g. once the source has ended. */
  seal(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const envelope = this.open;
    if (envelope.readings.length === 0) return;
    this.open = { readings: [], settlers: [] };
    this.openBytes = 0;
    this.send(envelope);
  }

  private send(envelope: Envelope): void {
    const { readings } = envelope;
    let body: Buffer;
    let values = 0;
    for (const reading of readings) if (!isMessage(reading)) values++;
    if (values === 0) {
      body = asBuffer(formatSensorEnvelope(readings.map((reading) => (reading as OutgoingMessage).body)));
    } else {
      body =
        values === readings.length
          ? Buffer.from(JSON.stringify({ readings }))
          : asBuffer(formatSensorEnvelope(readings.map((r) => (isMessage(r) ? r.body : JSON.stringify(r)))));
      // Their size was not known before: split an envelope that outgrew the limit.
      if (body.length > this.maxBytes && readings.length > 1) {
        const half = readings.length >> 1;
        const { settlers } = envelope;
        this.send({ readings: readings.slice(0, half), settlers: settlers.slice(0, half) });
        this.send({ readings: readings.slice(half), settlers: settlers.slice(half) });
        return;
      }
    }
    const message: OutgoingMessage = {
      // Unique as long as reading ids are, and the same on every resend (the message is kept as is).
      id: `${readings[0].id}+${readings.length}`,
      body,
      contentType: ENVELOPE_CONTENT_TYPE,
    };
    this.options.target.publish(message).then(
      () => this.settle(envelope),
      (err: Error) => this.settle(envelope, err),
    );
  }

  private settle({ readings, settlers }: Envelope, err?: Error): void {
    this.unconfirmedCount -= readings.length;
    for (let i = 0; i < readings.length; i++) settlers[i](readings[i].id, err);
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** A view of the same bytes as a Buffer, without copying. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
