import type { OutgoingMessage } from '@sensors/messaging';
import type { ReadingSink } from '../src/publish-readings';

/** A sink with a window of `capacity` that confirms only when told to. */
export class ManualSink implements ReadingSink {
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

  publish(message: OutgoingMessage): Promise<void> {
    this.published.push(message);
    return new Promise((resolve, reject) => this.confirms.push({ resolve, reject }));
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

/** A sink whose broker confirms every message at once, or refuses it with `refuse(message)`'s error. */
export class ConfirmingSink implements ReadingSink {
  readonly published: OutgoingMessage[] = [];

  constructor(private readonly refuse: (message: OutgoingMessage) => Error | undefined = () => undefined) {}

  whenWritable(): Promise<void> {
    return Promise.resolve();
  }

  publish(message: OutgoingMessage): Promise<void> {
    this.published.push(message);
    const err = this.refuse(message);
    return err ? Promise.reject(err) : Promise.resolve();
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
