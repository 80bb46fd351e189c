import { PassThrough, Readable } from 'node:stream';
import { DEAD_LETTER_HEADERS } from '@sensors/sensor-model';
import { newPublisherStats } from '../src/publish-readings';
import { publishNdjson, type PublishNdjsonOptions } from '../src/sources/publish-ndjson';
import { ConfirmingSink, ManualSink, expectPendingUntilConfirmed, reading, settle } from './fake-sinks';

const good = (id: string) => JSON.stringify(reading(id));

function run(text: string, options: Partial<PublishNdjsonOptions> = {}) {
  const sink = new ConfirmingSink();
  const stats = newPublisherStats();
  const invalid: { line: number; reason: string }[] = [];
  const result = publishNdjson({
    input: Readable.from([Buffer.from(text)]),
    label: 'readings.ndjson',
    maxLineBytes: 1024,
    sink,
    stats,
    onInvalidLine: (line, err) => invalid.push({ line, reason: err.message }),
    ...options,
  });
  return { sink, stats, invalid, result };
}

describe('publishNdjson', () => {
  it('publishes the valid lines and reports each invalid one with its line number and reason', async () => {
    const { sink, stats, invalid, result } = run(
      [good('a'), '', 'not json', JSON.stringify(reading('b', -500)), good('c')].join('\n'),
    );
    expect(await result).toEqual({ endOfInput: true });
    expect(sink.published.map((m) => m.id)).toEqual(['a', 'c']);
    expect(invalid).toEqual([
      { line: 3, reason: expect.stringContaining('is not valid JSON') },
      { line: 4, reason: expect.stringContaining('content.temperature_f must not lie below absolute zero') },
    ]);
    expect(stats).toMatchObject({ received: 4, rejected: 2, published: 2, confirmed: 2, deadLetters: 0 });
  });

  it('dead-letters an invalid line byte for byte, with the reason in its headers', async () => {
    const deadLetters = new ConfirmingSink();
    const { stats, result } = run([good('a'), '{"id":"b","type":"Sensor"}'].join('\n'), { deadLetters });
    await result;
    expect(deadLetters.published).toHaveLength(1);
    const [letter] = deadLetters.published;
    expect(letter.id).toBe('readings.ndjson:2');
    expect(letter.body.toString()).toBe('{"id":"b","type":"Sensor"}');
    expect(letter.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.code]: 'invalid-reading',
      [DEAD_LETTER_HEADERS.message]: expect.stringMatching(/^line 2 of readings\.ndjson: .*content is missing/),
      [DEAD_LETTER_HEADERS.fields]: 'content',
    });
    expect(stats).toMatchObject({ rejected: 1, deadLetters: 1, deadLettered: 1 });
  });

  it('dead-letters a line that repeats an earlier id and time with other content as conflicting-reading', async () => {
    const deadLetters = new ConfirmingSink();
    const other = JSON.stringify(reading('a', 20));
    const { sink, invalid, result } = run([good('a'), good('a'), other, good('b')].join('\n'), { deadLetters });
    await result;
    expect(sink.published.map((m) => m.id)).toEqual(['a', 'a', 'b']);
    expect(invalid).toEqual([{ line: 3, reason: expect.stringContaining('line 1 of readings.ndjson was') }]);
    expect(deadLetters.published[0].headers).toMatchObject({ [DEAD_LETTER_HEADERS.code]: 'conflicting-reading' });
  });

  it('publishes the five readings of one sensor id at five times', async () => {
    const lines = [0, 1, 2, 3, 4].map((minute) =>
      JSON.stringify(reading('sensor-7', 70 + minute, `2019-06-24T15:0${minute}:00`)),
    );
    const { sink, stats, result } = run(lines.join('\n'));
    await result;
    expect(sink.published).toHaveLength(5);
    expect(stats.rejected).toBe(0);
  });

  it('skips a line whose value nests 10,000 deep and publishes the lines after it', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const bad = good('deep').replace('"temperature_f":90', `"temperature_f":${deep}`);
    const { sink, invalid, result } = run([good('a'), bad, good('b')].join('\n'), { maxLineBytes: 100_000 });
    expect(await result).toEqual({ endOfInput: true });
    expect(sink.published.map((m) => m.id)).toEqual(['a', 'b']);
    expect(invalid).toEqual([{ line: 2, reason: expect.stringContaining('content.temperature_f') }]);
  });

  it('rejects a line longer than maxLineBytes, dead-letters its beginning and carries on', async () => {
    const deadLetters = new ConfirmingSink();
    const { sink, invalid, result } = run(`${good('a')}\n${'y'.repeat(300)}\n${good('b')}\n`, {
      deadLetters,
      maxLineBytes: 200,
    });
    expect(await result).toEqual({ endOfInput: true });
    expect(invalid).toEqual([{ line: 2, reason: expect.stringContaining('is longer than 200 bytes') }]);
    expect(deadLetters.published.map((m) => m.body.toString())).toEqual(['y'.repeat(200)]);
    expect(sink.published.map((m) => m.id)).toEqual(['a', 'b']);
  });

  it('counts a dead letter the broker refuses as not dead-lettered and reports it', async () => {
    const deadLetters = new ConfirmingSink(() => new Error('nacked'));
    const failed: number[] = [];
    const { stats, result } = run('oops\n', { deadLetters, onDeadLetterFailed: (line) => failed.push(line) });
    await result;
    expect(failed).toEqual([1]);
    expect(stats).toMatchObject({ deadLetters: 1, deadLettered: 0 });
  });

  it('resolves only once every line is confirmed', async () => {
    const sink = new ManualSink();
    const { result } = run(`${good('a')}\n${good('b')}\n`, { sink });
    await expectPendingUntilConfirmed(sink, result, 2);
  });

  it('says the input was not read to its end when the signal stops it', async () => {
    const input = new PassThrough();
    const controller = new AbortController();
    const sink = new ConfirmingSink();
    const result = publishNdjson({
      input,
      label: 'stdin',
      maxLineBytes: 1024,
      sink,
      stats: newPublisherStats(),
      signal: controller.signal,
    });
    input.write(`${good('a')}\n`);
    await settle();
    controller.abort();
    expect(await result).toEqual({ endOfInput: false });
    expect(sink.published.map((m) => m.id)).toEqual(['a']);
  });
});
