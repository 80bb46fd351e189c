import type { OutgoingMessage } from '@sensors/messaging';
import { Batcher, WaitList } from '@sensors/runtime';
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
  /** An envelope is sent as soon as it holds this many readings… */
  maxSize: number;
  /** …or once its first reading has waited this long, in milliseconds… */
  lingerMs: number;
  /** …or before its body would outgrow this many bytes (default `MAX_ENVELOPE_BYTES`). */
  maxBytes?: number;
  /** Unconfirmed readings at most, those not yet in a sent envelope included. */
  maxUnconfirmed: number;
}

/**
 * A {@link ReadingSink} that packs readings into envelopes with a {@link Batcher}: each published
 * reading joins the open envelope, which is sent as one message when it holds `maxSize`
 * readings, would outgrow `maxBytes`, or `lingerMs` after its first reading, whichever comes
 * first. Each reading's `settled` is told with its envelope's confirm, so every caller's
 * meaning of "confirmed" is unchanged.
 *
 * Readings given as messages are joined from their JSON text; readings given unserialized are
 * serialized with their envelope in one `JSON.stringify` (the text of each is the same as alone).
 *
 * The window counts readings, not envelopes: memory stays bounded by `maxUnconfirmed` readings
 * whatever the envelope size.
 */
export class EnvelopeSink implements ReadingSink {
  private readonly batcher: Batcher<OutgoingReading, SettledReading>;
  private unconfirmedCount = 0;
  private readonly room = new WaitList();
  private readonly maxBytes: number;

  constructor(private readonly options: EnvelopeSinkOptions) {
    this.maxBytes = options.maxBytes ?? MAX_ENVELOPE_BYTES;
    this.batcher = new Batcher({
      maxSize: options.maxSize,
      lingerMs: options.lingerMs,
      // A reading weighs its JSON and the comma before it; an envelope has one comma fewer than readings.
      maxBytes: this.maxBytes - envelopeBytes(1, 0) + 1,
      // An unserialized reading's size is known once its envelope is serialized (see send).
      bytesOf: (reading) => (isMessage(reading) ? bytesOf(reading) + 1 : 1),
      // The window bounds the readings unconfirmed, so envelopes leave as soon as they are sealed.
      concurrency: Infinity,
      write: (readings, settlers) => this.send(readings, settlers),
    });
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
    await this.room.until(() => this.unconfirmedCount < this.options.maxUnconfirmed);
    await this.options.target.whenWritable();
  }

  publish(reading: OutgoingReading, settled: SettledReading): void {
    this.unconfirmedCount++;
    this.batcher.add(reading, settled);
  }

  /**
   * Sends the readings as one envelope, or as two halves (each split again as needed) when
   * their serialized size outgrew `maxBytes`. Never rejects, so the batcher never sends an
   * envelope twice: a refusal settles its readings with the error.
   */
  private send(readings: OutgoingReading[], settlers: SettledReading[]): Promise<void> {
    let body: Buffer;
    try {
      body = this.bodyOf(readings);
    } catch (err) {
      // A reading JSON cannot write (a BigInt, a cycle; no source makes one) fails its envelope.
      this.settle(readings, settlers, err instanceof Error ? err : new Error(String(err)));
      return Promise.resolve();
    }
    // The size of unserialized readings was not known before: split an envelope that outgrew the limit.
    if (body.length > this.maxBytes && readings.length > 1) {
      const half = readings.length >> 1;
      return Promise.all([
        this.send(readings.slice(0, half), settlers.slice(0, half)),
        this.send(readings.slice(half), settlers.slice(half)),
      ]).then(() => undefined);
    }
    const message: OutgoingMessage = {
      // Unique as long as reading ids are, and the same on every resend (the message is kept as is).
      id: `${readings[0].id}+${readings.length}`,
      body,
      contentType: ENVELOPE_CONTENT_TYPE,
    };
    return this.options.target.publish(message).then(
      () => this.settle(readings, settlers),
      (err: Error) => this.settle(readings, settlers, err),
    );
  }

  /** The envelope's body: the messages' JSON text joined, the other readings serialized with it. */
  private bodyOf(readings: OutgoingReading[]): Buffer {
    let values = 0;
    for (const reading of readings) if (!isMessage(reading)) values++;
    if (values === 0) {
      return asBuffer(formatSensorEnvelope(readings.map((reading) => (reading as OutgoingMessage).body)));
    }
    return values === readings.length
      ? Buffer.from(JSON.stringify({ readings }))
      : asBuffer(formatSensorEnvelope(readings.map((r) => (isMessage(r) ? r.body : JSON.stringify(r)))));
  }

  private settle(readings: OutgoingReading[], settlers: SettledReading[], err?: Error): void {
    this.unconfirmedCount -= readings.length;
    for (let i = 0; i < readings.length; i++) settlers[i](readings[i].id, err);
    this.room.wakeAll();
  }
}

/** The bytes of a message's body. */
function bytesOf({ body }: OutgoingMessage): number {
  return typeof body === 'string' ? Buffer.byteLength(body) : body.length;
}

/** A view of the same bytes as a Buffer, without copying. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
