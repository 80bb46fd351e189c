import type { OutgoingMessage } from '@sensors/messaging';
import { isMessage, type MessageTarget, type OutgoingReading, type SettledReading } from '../src/publish-readings';

/** A reading as the message a sink of single messages would send. */
function asMessage(reading: OutgoingReading): OutgoingMessage {
  return isMessage(reading) ? reading : { id: reading.id, body: JSON.stringify(reading) };
}

/** Tells `settled` the fate that `confirmed` settles to. */
function settleWith(confirmed: Promise<void>, id: string, settled: SettledReading | undefined): Promise<void> {
  if (settled)
    confirmed.then(
      () => settled(id),
      (err: Error) => settled(id, err),
    );
  return confirmed;
}

/**
 * A sink with a window of `capacity` that confirms only when told to. It serves as a sink of
 * readings (told through `settled`) and as the target of an envelope sink (through the promise).
 */
export class ManualSink implements MessageTarget {
  readonly published: OutgoingMessage[] = [];
  private readonly confirms: { resolve: () => void; reject: (err: Error) => void }[] = [];
  private waiting: (() => void)[] = [];

  constructor(private readonly capacity = Infinity) {}

  whenWritable(): Promise<void> {
    if (this.isWritable()) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  isWritable(): boolean {
    return this.confirms.length < this.capacity;
  }

  publish(reading: OutgoingReading, settled?: SettledReading): Promise<void> {
    const message = asMessage(reading);
    this.published.push(message);
    return settleWith(new Promise((resolve, reject) => this.confirms.push({ resolve, reject })), message.id, settled);
  }

  confirmOldest(error?: Error): void {
    const next = this.confirms.shift();
    if (error) next?.reject(error);
    else next?.resolve();
    this.waiting.splice(0).forEach((wake) => wake());
  }

  get unconfirmed(): number {
    return this.confirms.length;
  }
}

/**
 * A sink whose broker confirms every message at once, or refuses it with `refuse(message)`'s
 * error; a sink of readings or an envelope sink's target, as {@link ManualSink}.
 */
export class ConfirmingSink implements MessageTarget {
  readonly published: OutgoingMessage[] = [];

  constructor(private readonly refuse: (message: OutgoingMessage) => Error | undefined = () => undefined) {}

  whenWritable(): Promise<void> {
    return Promise.resolve();
  }

  isWritable(): boolean {
    return true;
  }

  publish(reading: OutgoingReading, settled?: SettledReading): Promise<void> {
    const message = asMessage(reading);
    this.published.push(message);
    const err = this.refuse(message);
    return settleWith(err ? Promise.reject(err) : Promise.resolve(), message.id, settled);
  }
}

/** A valid reading (or, with other values, an invalid one). */
export function reading(id: string, temperature_f: unknown = 90, time: unknown = '2019-06-24T15:00:00') {
  return { id, type: 'Sensor', content: { temperature_f, time_of_measurement: time } };
}

/** Lets every settled promise's callbacks run. */
export async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Confirms `count` messages of the sink one at a time and expects `done` to stay pending until
 * the last of them is confirmed.
 */
export async function expectPendingUntilConfirmed(
  sink: ManualSink,
  done: Promise<unknown>,
  count: number,
): Promise<void> {
  let finished = false;
  const watched = done.then(() => (finished = true));
  for (let confirmed = 0; confirmed < count; confirmed++) {
    await settle();
    expect(finished).toBe(false);
    sink.confirmOldest();
  }
  await watched;
}
