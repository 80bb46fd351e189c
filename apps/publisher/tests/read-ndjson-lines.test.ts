import { PassThrough, Readable } from 'node:stream';
import { readNdjsonLines, type NdjsonLine } from '../src/sources/read-ndjson-lines';

async function collect(
  lines: AsyncIterable<NdjsonLine>,
): Promise<{ number: number; text: string; truncated: boolean }[]> {
  const taken = [];
  for await (const line of lines)
    taken.push({ number: line.number, text: line.bytes.toString(), truncated: line.truncated });
  return taken;
}

describe('readNdjsonLines', () => {
  it('yields each line with its number and skips blank ones', async () => {
    const input = Readable.from([Buffer.from('{"a":1}\n\n  \t\n{"b":2}\r\n\r\n{"c":3}\n')]);
    expect(await collect(readNdjsonLines(input))).toEqual([
      { number: 1, text: '{"a":1}', truncated: false },
      { number: 4, text: '{"b":2}', truncated: false },
      { number: 6, text: '{"c":3}', truncated: false },
    ]);
  });

  it('joins a line split across chunks and keeps a last line without a line break', async () => {
    const input = Readable.from(['{"a"', ':1}\n{"b":', '2}\n{"c":3}'].map((s) => Buffer.from(s)));
    expect((await collect(readNdjsonLines(input))).map((l) => l.text)).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('keeps the bytes as they are, even when they are not UTF-8', async () => {
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const [line] = await collectBytes(Readable.from([Buffer.concat([bytes, Buffer.from('\n')])]));
    expect(line.equals(bytes)).toBe(true);
  });

  it('cuts a line longer than maxLineBytes, marks it, and carries on with the next', async () => {
    const input = Readable.from(['12345', '67890\nok\n'].map((s) => Buffer.from(s)));
    expect(await collect(readNdjsonLines(input, { maxLineBytes: 4 }))).toEqual([
      { number: 1, text: '1234', truncated: true },
      { number: 2, text: 'ok', truncated: false },
    ]);
  });

  it('reads no further into an endless input than the lines taken need', async () => {
    let pulled = 0;
    function* endless() {
      for (;;) {
        pulled++;
        yield Buffer.from('{"a":1}\n'.repeat(10));
      }
    }
    const lines = readNdjsonLines(Readable.from(endless(), { objectMode: false, highWaterMark: 64 }));
    let taken = 0;
    for await (const line of lines) {
      expect(line.number).toBe(++taken);
      if (taken === 25) break;
    }
    expect(pulled).toBeLessThan(20);
  });

  it('ends when the signal aborts while the input is idle, and destroys the input', async () => {
    const input = new PassThrough();
    const controller = new AbortController();
    const lines = collect(readNdjsonLines(input, { signal: controller.signal }));
    input.write('{"a":1}\n{"b"');
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    expect((await lines).map((l) => l.text)).toEqual(['{"a":1}']);
    expect(input.destroyed).toBe(true);
  });
});

async function collectBytes(input: Readable): Promise<Buffer[]> {
  const taken = [];
  for await (const line of readNdjsonLines(input)) taken.push(line.bytes);
  return taken;
}
