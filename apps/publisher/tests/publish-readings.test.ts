import { waitFor } from '@sensors/testing';
import { EnvelopeSink } from '../src/envelope-sink';
import { newPublisherStats, publishReadings } from '../src/publish-readings';
import { ManualSink, expectPendingUntilConfirmed, reading, settle } from './fake-sinks';

async function* from<T>(items: T[]): AsyncIterable<T> {
  yield* items;
}

async function* batchesOf<T>(...batches: T[][]): AsyncIterable<T[]> {
  yield* batches;
}

const newStats = newPublisherStats;

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
    await expectPendingUntilConfirmed(
      sink,
      publishReadings({ source: from([reading('a'), reading('b')]), sink, stats }),
      2,
    );
    expect(stats).toMatchObject({ received: 2, published: 2, confirmed: 2, failed: 0 });
  });

  it.each([
    ['from a source', (readings: unknown[]) => ({ source: from(readings) })],
    ['between readings of a batch', (readings: unknown[]) => ({ batches: batchesOf(readings) })],
  ])('waits for room in the window before taking the next reading, %s', async (_, input) => {
    const sink = new ManualSink(2);
    const done = publishReadings({ ...input(['a', 'b', 'c'].map((id) => reading(id))), sink, stats: newStats() });
    await settle();
    expect(sink.published.map((m) => m.id)).toEqual(['a', 'b']);
    sink.confirmOldest();
    await settle();
    expect(sink.published.map((m) => m.id)).toEqual(['a', 'b', 'c']);
    await expectPendingUntilConfirmed(sink, done, 2);
  });

  it('rejects an invalid reading with its reason and carries on with the rest', async () => {
    const sink = new ManualSink();
    const stats = newStats();
    const rejected: string[] = [];
    const done = publishReadings({
      source: from([reading('a', '90'), reading('b')]),
      sink,
      stats,
      onRejected: (err) => void rejected.push(err.message),
    });
    await settle();
    sink.confirmOldest();
    await done;
    expect(sink.published.map((m) => m.id)).toEqual(['b']);
    expect(rejected).toEqual([expect.stringContaining('content.temperature_f must be a finite number')]);
    expect(stats).toMatchObject({ received: 2, rejected: 1, published: 1, confirmed: 1 });
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

describe('publishReadings with batches', () => {
  it('publishes every reading of every batch through an envelope sink and waits for the confirms', async () => {
    const target = new ManualSink();
    // A linger far beyond any pause of a loaded machine: a and c fill the first envelope by size
    // (with 1 ms, a slow moment between them sent a alone); d leaves alone once the linger is over.
    const sink = new EnvelopeSink({ target, maxSize: 2, lingerMs: 1000, maxUnconfirmed: 100 });
    const stats = newStats();
    let finished = false;
    const done = publishReadings({
      batches: batchesOf([reading('a'), reading('b', 'x'), reading('c')], [reading('d')]),
      sink,
      stats,
    }).then(() => (finished = true));
    // The second envelope leaves once its linger is over.
    await waitFor('both envelopes', () => target.published.length === 2);
    expect(target.published.map((m) => m.id)).toEqual(['a+2', 'd+1']);
    target.confirmOldest();
    await settle();
    expect(finished).toBe(false);
    target.confirmOldest(new Error('nacked'));
    await done;
    expect(stats).toMatchObject({ received: 4, rejected: 1, published: 3, confirmed: 2, failed: 1 });
  });
});

describe('publishReadings with readingOf', () => {
  it('takes the reading out of each item and hands the item of an invalid one to onRejected', async () => {
    const sink = new ManualSink();
    const rejected: number[] = [];
    const items = [
      { line: 1, text: JSON.stringify(reading('a')) },
      { line: 2, text: 'not json' },
    ];
    const done = publishReadings({
      source: from(items),
      readingOf: (item) => item.text,
      sink,
      stats: newStats(),
      onRejected: (_err, item) => void rejected.push(item.line),
    });
    await settle();
    sink.confirmOldest();
    await done;
    expect(sink.published.map((m) => m.id)).toEqual(['a']);
    expect(rejected).toEqual([2]);
  });

  it('waits for the promise onRejected returns before the next item', async () => {
    const sink = new ManualSink();
    let release = () => undefined as void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const done = publishReadings({
      source: from([reading('bad', 'x'), reading('b')]),
      sink,
      stats: newStats(),
      onRejected: () => held,
    });
    await settle();
    expect(sink.published).toEqual([]);
    release();
    await settle();
    expect(sink.published.map((m) => m.id)).toEqual(['b']);
    sink.confirmOldest();
    await done;
  });
});

describe('countRejection', () => {
  it('counts a reading once, under its first problem, without the details that vary', async () => {
    const stats = newStats();
    await publishReadings({
      source: from(
        ['{"id":', '{"id":"x"}', reading('cold', -500)].map((r) => (typeof r === 'string' ? r : JSON.stringify(r))),
      ),
      sink: new ManualSink(),
      stats,
    });
    expect(stats.rejected).toBe(3);
    expect(stats.rejectedByReason).toEqual({
      '(reading) is not valid JSON': 1,
      'type is missing': 1,
      'content.temperature_f must not lie below absolute zero': 1,
    });
    expect(Object.values(stats.rejectedByReason).reduce((a, b) => a + b)).toBe(stats.rejected);
  });
});
