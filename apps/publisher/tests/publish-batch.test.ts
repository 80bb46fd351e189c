import { PublishRejectedError } from '@sensors/messaging';
import { publishBatch } from '../src/http/publish-batch';
import { newPublisherStats } from '../src/publish-readings';
import { ConfirmingSink, ManualSink, reading } from './fake-sinks';

const items = (...inputs: unknown[]) => inputs.map((input, index) => ({ index, input }));

describe('publishBatch', () => {
  it('accepts every reading once the broker has confirmed it', async () => {
    const sink = new ConfirmingSink();
    const stats = newPublisherStats();
    const outcome = await publishBatch(items(reading('a'), reading('b')), { sink, stats, timeoutMs: 1000 });
    expect(outcome).toEqual({
      accepted: ['a', 'b'],
      rejected: [],
      rejectedCount: 0,
      rejectedByReason: {},
      unconfirmed: [],
    });
    expect(JSON.parse(sink.published[0].body.toString())).toMatchObject({
      content: { temperature_c: 32.22222222222222 },
    });
    expect(stats).toMatchObject({ received: 2, published: 2, confirmed: 2 });
  });

  it('lists each invalid reading with its index, id and problems, and publishes the valid ones', async () => {
    const sink = new ConfirmingSink();
    const stats = newPublisherStats();
    const outcome = await publishBatch(
      items(reading('cold', -500), reading('a'), 'a string', Buffer.from('{"id":"line","type":"Sensor"}')),
      { sink, stats, timeoutMs: 1000 },
    );
    expect(outcome.accepted).toEqual(['a']);
    expect(outcome.rejected).toEqual([
      {
        index: 0,
        id: 'cold',
        problems: [
          { field: 'content.temperature_f', value: -500, problem: 'must not lie below absolute zero (-459.67 °F)' },
        ],
      },
      { index: 2, problems: [{ field: '(reading)', value: 'a string', problem: 'must be a JSON object' }] },
      { index: 3, id: 'line', problems: [{ field: 'content', value: undefined, problem: 'is missing' }] },
    ]);
    expect(stats).toMatchObject({ received: 4, rejected: 3, published: 1 });
  });

  it('shows a long value cut short', async () => {
    const outcome = await publishBatch(items(reading('x'.repeat(500))), {
      sink: new ConfirmingSink(),
      stats: newPublisherStats(),
      timeoutMs: 1000,
    });
    expect(outcome.rejected[0]).not.toHaveProperty('id');
    expect(outcome.rejected[0].problems[0].value).toMatch(/… \(502 characters\)$/);
  });

  it('lists the readings the broker refuses as unconfirmed, with its reason', async () => {
    const sink = new ConfirmingSink((m) =>
      m.id === 'b' ? new PublishRejectedError('b', 'returned', '312 NO_ROUTE') : undefined,
    );
    const outcome = await publishBatch(items(reading('a'), reading('b')), {
      sink,
      stats: newPublisherStats(),
      timeoutMs: 1000,
    });
    expect(outcome).toEqual({
      accepted: ['a'],
      rejected: [],
      rejectedCount: 0,
      rejectedByReason: {},
      unconfirmed: [{ index: 1, id: 'b', reason: 'returned' }],
    });
  });

  it('gives up waiting after timeoutMs, and publishes nothing more once the window stays full', async () => {
    const sink = new ManualSink(1);
    const stats = newPublisherStats();
    const outcome = await publishBatch(items(reading('a'), reading('b')), { sink, stats, timeoutMs: 50 });
    expect(outcome).toEqual({
      accepted: [],
      rejected: [],
      rejectedCount: 0,
      rejectedByReason: {},
      unconfirmed: [
        { index: 0, id: 'a', reason: 'timeout' },
        { index: 1, id: 'b', reason: 'timeout' },
      ],
    });
    expect(sink.published.map((m) => m.id)).toEqual(['a']);
    expect(stats).toMatchObject({ received: 2, published: 1, confirmed: 0 });
  });
});
