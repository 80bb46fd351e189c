import type { Readable } from 'node:stream';

/** One line of NDJSON input that is not blank. */
export interface NdjsonLine {
  /** Its line number, from 1 (blank lines count). */
  number: number;
  /** Its bytes without the line break (and a `\r` before it); the first `maxLineBytes` if truncated. */
  bytes: Buffer;
  /** Whether the line was longer than `maxLineBytes`; the rest was skipped, never held in memory. */
  truncated: boolean;
}

export interface ReadNdjsonLinesOptions {
  /** Longest line kept whole (default 1 MiB), so that input without line breaks cannot fill memory. */
  maxLineBytes?: number;
  /** Stops reading: the input is destroyed and the lines end, even while the input is idle. */
  signal?: AbortSignal;
}

const LF = 0x0a;
const CR = 0x0d;
const BLANK = new Set([0x20, 0x09, CR]);

/**
 * Splits a stream into its lines, skipping blank ones. It pulls a chunk only when the lines of
 * the previous one have been taken, so a consumer that waits (for the broker's confirms)
 * holds back the reading of the input: memory stays flat whatever the input's size.
 *
 * @example
 * for await (const line of readNdjsonLines(createReadStream('readings.ndjson'))) publish(line.bytes);
 */
export async function* readNdjsonLines(
  input: Readable,
  { maxLineBytes = 1024 * 1024, signal }: ReadNdjsonLinesOptions = {},
): AsyncGenerator<NdjsonLine> {
  let parts: Buffer[] = [];
  let kept = 0;
  let truncated = false;
  let number = 0;
  const keep = (piece: Buffer) => {
    const room = maxLineBytes - kept;
    if (piece.length > room) truncated = true;
    const part = piece.length > room ? piece.subarray(0, room) : piece;
    if (part.length === 0) return;
    parts.push(part);
    kept += part.length;
  };
  const take = (): NdjsonLine | undefined => {
    number++;
    // A copy, so that a line in flight does not pin the whole chunk it came from.
    let bytes = Buffer.concat(parts, kept);
    const line = { number, truncated };
    parts = [];
    kept = 0;
    truncated = false;
    if (line.truncated) return { ...line, bytes };
    if (bytes.at(-1) === CR) bytes = bytes.subarray(0, -1);
    return bytes.every((byte) => BLANK.has(byte)) ? undefined : { ...line, bytes };
  };

  const stop = () => input.destroy();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    for await (const chunk of input as AsyncIterable<Buffer | string>) {
      const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      let start = 0;
      for (let end = data.indexOf(LF); end !== -1; end = data.indexOf(LF, start)) {
        keep(data.subarray(start, end));
        const line = take();
        if (line) yield line;
        start = end + 1;
      }
      keep(data.subarray(start));
    }
  } catch (err) {
    // Destroyed by the signal: a premature close, which is what was asked for.
    if (signal?.aborted) return;
    throw err;
  } finally {
    signal?.removeEventListener('abort', stop);
  }
  if (signal?.aborted || (kept === 0 && !truncated)) return;
  const last = take();
  if (last) yield last;
}
