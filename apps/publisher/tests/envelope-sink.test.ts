import { PublishRejectedError } from '@sensors/messaging';
import { ENVELOPE_CONTENT_TYPE, envelopeBytes } from '@sensors/sensor-model';
import { EnvelopeSink } from '../src/envelope-sink';
import type { OutgoingReading } from '../src/publish-readings';
import { toReadingMessage, toReadingValue } from '../src/to-reading-message';
import { ManualSink, reading, settle } from './fake-sinks';

function sinkWith(options: { maxSize?: number; lingerMs?: number; maxUnconfirmed?: number; maxBytes?: number } = {}) {
  const target = new ManualSink();
  const sink = new EnvelopeSink({ target, maxSize: 3, lingerMs: 10, maxUnconfirmed: 100, ...options });
  return { target, sink };
}

function message(id: string) {
  return toReadingMessage(reading(id));
}

const ignore = () => undefined;

/** Publishes through the sink, resolving or rejecting with the reading's fate. */
function confirmed(sink: EnvelopeSink, reading: OutgoingReading): Promise<void> {
  return new Promise((resolve, reject) => sink.publish(reading, (_, err) => (err ? reject(err) : resolve())));
}

function readingsIn(body: Buffer | string): string[] {
  return (JSON.parse(body.toString()) as { readings: { id: string }[] }).readings.map((r) => r.id);
}

// setImmediate stays real so that settle() can let promise callbacks run.
beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate'] }));
afterEach(() => jest.useRealTimers());

describe('EnvelopeSink', () => {
  it('sends an envelope as soon as it holds maxSize readings', () => {
    const { target, sink } = sinkWith();
    for (const id of ['a', 'b', 'c', 'd']) sink.publish(message(id), ignore);
    expect(target.published).toHaveLength(1);
    expect(target.published[0]).toMatchObject({ id: 'a+3', contentType: ENVELOPE_CONTENT_TYPE });
    expect(readingsIn(target.published[0].body)).toEqual(['a', 'b', 'c']);
  });

  it('sends a partial envelope once its first reading has lingered', () => {
    const { target, sink } = sinkWith();
    sink.publish(message('a'), ignore);
    jest.advanceTimersByTime(5);
    sink.publish(message('b'), ignore);
    jest.advanceTimersByTime(4);
    expect(target.published).toHaveLength(0);
    jest.advanceTimersByTime(1);
    expect(target.published.map((m) => m.id)).toEqual(['a+2']);
  });

  it('starts the linger afresh for the next envelope', () => {
    const { target, sink } = sinkWith({ maxSize: 2 });
    for (const id of ['a', 'b', 'c']) sink.publish(message(id), ignore);
    expect(target.published).toHaveLength(1);
    jest.advanceTimersByTime(9);
    expect(target.published).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(target.published.map((m) => m.id)).toEqual(['a+2', 'c+1']);
  });

  it('seals an envelope early rather than outgrow the byte limit', () => {
    const bytes = message('a').body.length;
    const { target, sink } = sinkWith({ maxBytes: 2 * bytes + 20 });
    for (const id of ['a', 'b', 'c']) sink.publish(message(id), ignore);
    expect(target.published.map((m) => m.id)).toEqual(['a+2']);
  });

  it('sends the reading that did not fit in the next envelope, which lingers from that reading', () => {
    const bytes = message('a').body.length;
    const { target, sink } = sinkWith({ maxBytes: 2 * bytes + 20 });
    for (const id of ['a', 'b']) sink.publish(message(id), ignore);
    jest.advanceTimersByTime(5);
    sink.publish(message('c'), ignore);
    jest.advanceTimersByTime(9);
    expect(target.published.map((m) => m.id)).toEqual(['a+2']);
    jest.advanceTimersByTime(1);
    expect(target.published.map((m) => m.id)).toEqual(['a+2', 'c+1']);
  });

  it('fills an envelope up to exactly maxBytes, and not a byte more', () => {
    const exact = envelopeBytes(2, message('a').body.length + message('b').body.length);
    const full = sinkWith({ maxBytes: exact });
    const over = sinkWith({ maxBytes: exact - 1 });
    for (const id of ['a', 'b', 'c']) {
      full.sink.publish(message(id), ignore);
      over.sink.publish(message(id), ignore);
    }
    expect(full.target.published.map((m) => m.id)).toEqual(['a+2']);
    expect(full.target.published[0].body.length).toBe(exact);
    expect(over.target.published.map((m) => m.id)).toEqual(['a+1', 'b+1']);
  });

  it("resolves each reading with its envelope's confirm", async () => {
    const { target, sink } = sinkWith();
    const outcomes: string[] = [];
    for (const id of ['a', 'b', 'c', 'd']) void confirmed(sink, message(id)).then(() => outcomes.push(id));
    await settle();
    expect(outcomes).toEqual([]);
    target.confirmOldest();
    await settle();
    expect(outcomes).toEqual(['a', 'b', 'c']);
  });

  it("rejects each reading with its envelope's refusal", async () => {
    const { target, sink } = sinkWith({ maxSize: 2 });
    const results = ['a', 'b'].map((id) => confirmed(sink, message(id)));
    target.confirmOldest(new PublishRejectedError('a+2', 'returned', '312 NO_ROUTE'));
    for (const result of results) await expect(result).rejects.toThrow(PublishRejectedError);
    expect(sink.unconfirmed).toBe(0);
  });

  it('holds writers back while maxUnconfirmed readings are unconfirmed', async () => {
    const { target, sink } = sinkWith({ maxSize: 2, maxUnconfirmed: 2 });
    sink.publish(message('a'), ignore);
    sink.publish(message('b'), ignore);
    expect(sink.unconfirmed).toBe(2);
    let writable = false;
    void sink.whenWritable().then(() => (writable = true));
    await settle();
    expect(writable).toBe(false);
    target.confirmOldest();
    await settle();
    expect(writable).toBe(true);
    expect(sink.unconfirmed).toBe(0);
  });

  it('tells callers the fate of their readings through one function, without promises', () => {
    const { target, sink } = sinkWith({ maxSize: 2 });
    const outcomes: string[] = [];
    const settled = (id: string, err?: Error) => outcomes.push(err ? `${id}: ${err.message}` : id);
    for (const id of ['a', 'b', 'c', 'd']) sink.publish(message(id), settled);
    target.confirmOldest();
    expect(outcomes).toEqual([]);
    return settle().then(() => {
      expect(outcomes).toEqual(['a', 'b']);
      target.confirmOldest(new Error('nacked'));
      return settle().then(() => expect(outcomes).toEqual(['a', 'b', 'c: nacked', 'd: nacked']));
    });
  });

  it('serializes readings published unserialized in one go, to the same envelope as their JSON', async () => {
    const texts = sinkWith();
    const values = sinkWith();
    const outcomes: string[] = [];
    for (const id of ['a', 'b', 'c']) {
      texts.sink.publish(message(id), ignore);
      values.sink.publish(toReadingValue(reading(id)), (readingId, err) => outcomes.push(err ? 'failed' : readingId));
    }
    expect(values.target.published[0].id).toBe('a+3');
    expect(values.target.published[0].body.toString()).toBe(texts.target.published[0].body.toString());
    values.target.confirmOldest();
    await settle();
    expect(outcomes).toEqual(['a', 'b', 'c']);
  });

  it('splits an envelope of unserialized readings that outgrew the byte limit', () => {
    const bytes = message('a').body.length;
    const { target, sink } = sinkWith({ maxSize: 4, maxBytes: 2 * bytes + 20 });
    for (const id of ['a', 'b', 'c', 'd']) sink.publish(toReadingValue(reading(id)), ignore);
    expect(target.published.map((m) => m.id)).toEqual(['a+2', 'c+2']);
    for (const published of target.published) expect(published.body.length).toBeLessThanOrEqual(2 * bytes + 20);
    expect(readingsIn(target.published[1].body)).toEqual(['c', 'd']);
  });

  it('fails only the envelope of a reading JSON cannot write, and keeps sending the others', async () => {
    const { target, sink } = sinkWith({ maxSize: 2 });
    const outcomes: string[] = [];
    const settled = (id: string, err?: Error) => outcomes.push(err ? `${id}: ${err.name}` : id);
    const unwritable = { ...toReadingValue(reading('b')), size: 1n } as OutgoingReading;
    for (const r of [
      toReadingValue(reading('a')),
      unwritable,
      toReadingValue(reading('c')),
      toReadingValue(reading('d')),
    ]) {
      sink.publish(r, settled);
    }
    await settle();
    expect(outcomes).toEqual(['a: TypeError', 'b: TypeError']);
    expect(target.published.map((m) => m.id)).toEqual(['c+2']);
    target.confirmOldest();
    await settle();
    expect(outcomes).toEqual(['a: TypeError', 'b: TypeError', 'c', 'd']);
    expect(sink.unconfirmed).toBe(0);
  });

  it('joins readings published as JSON and unserialized in one envelope', () => {
    const { target, sink } = sinkWith({ maxSize: 2 });
    sink.publish(message('a'), ignore);
    sink.publish(toReadingValue(reading('b')), ignore);
    expect(readingsIn(target.published[0].body)).toEqual(['a', 'b']);
  });

  it('says it is writable only while it and its target have room', () => {
    const target = new ManualSink(1);
    const sink = new EnvelopeSink({ target, maxSize: 1, lingerMs: 10, maxUnconfirmed: 2 });
    expect(sink.isWritable()).toBe(true);
    sink.publish(message('a'), ignore);
    expect(sink.isWritable()).toBe(false);
    target.confirmOldest();
    expect(sink.isWritable()).toBe(true);
  });
});
