import type { OutgoingMessage } from '@sensors/messaging';
import { newPublisherStats, publishReadings, type ReadingSink } from '../src/publish-readings';

function reading(id: string, temperature_f: unknown = 90) {
  return { id, type: 'Sensor', content: { temperature_f, time_of_measurement: '2019-06-24T15:00:00' } };
}

async function* from<T>(items: T[]): AsyncIterable<T> {
  yield* items;
}

/** A sink with a window of `capacity` that confirms only when told to. */
class ManualSink implements ReadingSink {
  readonly published: OutgoingMessage[] = [];
  private readonly confirms: { resolve: () => void; reject: (err: Error) => void }[] = [];
  private waiting: (() => void)[] = [];

  constructor(private readonly capacity = Infinity) {}

  whenWritable(): Promise<void> {
    if (this.confirms.length < this.capacity) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
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

const newStats = newPublisherStats;

async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

describe('publishReadings', () => {
  it('publishes each reading enriched, as JSON, with its id as the message id', async () => {
    const sink = new ManualSink();
    const done = publishReadings({ source: from([reading('a')]), sink, stats: newStats() });
    await settle();
    sink.confirmOldest();
    await done;
    expect(sink.published).toHaveLength(1);
    expect(sink.published[0].id).toBe('a');
    expect(JSON.parse(sink.published[0].body.toString())).toEqual({
      ...reading('a'),
      content: { ...reading('a').content, temperature_c: 32.22222222222222 },
    });
  });

  it('resolves only once every published reading is confirmed', async () => {
    const sink = new ManualSink();
    const stats = newStats();
    let finished = false;
    const done = publishReadings({ source: from([reading('a'), reading('b')]), sink, stats }).then(
      () => (finished = true),
    );
    await settle();
    sink.confirmOldest();
    await settle();
    expect(finished).toBe(false);
    sink.confirmOldest();
    await done;
    expect(stats).toMatchObject({ generated: 2, published: 2, confirmed: 2, failed: 0 });
  });

  it('waits for room in the window before taking the next reading', async () => {
    const sink = new ManualSink(2);
    const done = publishReadings({
      source: from(['a', 'b', 'c', 'd'].map((id) => reading(id))),
      sink,
      stats: newStats(),
    });
    await settle();
    expect(sink.published.map((m) => m.id)).toEqual(['a', 'b']);
    sink.confirmOldest();
    await settle();
    expect(sink.published.map((m) => m.id)).toEqual(['a', 'b', 'c']);
    while (sink.unconfirmed > 0 || sink.published.length < 4) {
      sink.confirmOldest();
      await settle();
    }
    await done;
  });

  it('rejects an invalid reading with its reason and carries on with the rest', async () => {
    const sink = new ManualSink();
    const stats = newStats();
    const rejected: string[] = [];
    const done = publishReadings({
      source: from([reading('a', '90'), reading('b')]),
      sink,
      stats,
      onRejected: (err) => rejected.push(err.message),
    });
    await settle();
    sink.confirmOldest();
    await done;
    expect(sink.published.map((m) => m.id)).toEqual(['b']);
    expect(rejected).toEqual([expect.stringContaining('content.temperature_f must be a finite number')]);
    expect(stats).toMatchObject({ generated: 2, rejected: 1, published: 1, confirmed: 1 });
  });

  it('counts a reading the broker refuses as failed and reports it', async () => {
    const sink = new ManualSink();
    const stats = newStats();
    const failed: string[] = [];
    const done = publishReadings({ source: from([reading('a')]), sink, stats, onFailed: (id) => failed.push(id) });
    await settle();
    sink.confirmOldest(new Error('returned'));
    await done;
    expect(failed).toEqual(['a']);
    expect(stats).toMatchObject({ published: 1, confirmed: 0, failed: 1, failedByReason: { error: 1 } });
  });

  it('stops taking readings once the signal aborts', async () => {
    const controller = new AbortController();
    const sink = new ManualSink();
    async function* endless() {
      for (let i = 0; ; i++) {
        if (i === 3) controller.abort();
        yield reading(`r${i}`);
      }
    }
    const done = publishReadings({ source: endless(), sink, stats: newStats(), signal: controller.signal });
    await settle();
    while (sink.unconfirmed > 0) sink.confirmOldest();
    await done;
    expect(sink.published.map((m) => m.id)).toEqual(['r0', 'r1', 'r2']);
  });
});
