import { Readable } from 'node:stream';
import { readNdjsonLines } from '../sources/read-ndjson-lines';

/** One reading of a request, not yet validated. */
export interface RequestItem {
  /** Its position from 0: in the JSON array, or the NDJSON line's (line number − 1, blank lines counted). */
  index: number;
  /** A parsed JSON value, or the bytes of an NDJSON line. */
  input: unknown;
}

/** The request body as a whole cannot be read: not UTF-8, or not JSON. */
export class InvalidRequestBodyError extends Error {
  override readonly name = 'InvalidRequestBodyError';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

const LF = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPENERS = new Set([0x5b, 0x7b]);
const CLOSERS = new Set([0x5d, 0x7d]);

/**
 * Reads the readings a request body holds: one JSON object, a JSON array of them, or NDJSON
 * (one per line, blank lines skipped). An NDJSON line that is not JSON is an item like any
 * other (it is rejected on its own); a JSON body that does not parse, or holds more than
 * `maxItems` readings, throws {@link InvalidRequestBodyError}. The readings are counted with a
 * scan of the bytes before anything is parsed, so that a body of a million empty items costs
 * milliseconds and no memory.
 */
export async function readRequestReadings(body: Buffer, ndjson: boolean, maxItems = Infinity): Promise<RequestItem[]> {
  const count = ndjson ? countLines(body) : countArrayItems(body);
  if (count > maxItems) {
    throw new InvalidRequestBodyError(
      `the body holds ${ndjson ? 'up to ' : ''}${count} readings, more than the ${maxItems} a request may hold: split it; nothing was published`,
    );
  }
  if (ndjson) {
    const items: RequestItem[] = [];
    for await (const line of readNdjsonLines(Readable.from([body]), { maxLineBytes: body.length })) {
      items.push({ index: line.number - 1, input: line.bytes });
    }
    return items;
  }
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(body));
  } catch (err) {
    throw new InvalidRequestBodyError(
      err instanceof SyntaxError ? `the body is not valid JSON (${err.message})` : 'the body is not valid UTF-8',
    );
  }
  return (Array.isArray(value) ? (value as unknown[]) : [value]).map((input, index) => ({ index, input }));
}

function countLines(body: Buffer): number {
  let count = 1;
  for (let at = body.indexOf(LF); at !== -1; at = body.indexOf(LF, at + 1)) count++;
  return count;
}

/** The items of a top-level JSON array (1 for anything else), counted without parsing. */
function countArrayItems(body: Buffer): number {
  let depth = 0;
  let items = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
      continue;
    }
    if (byte === QUOTE) inString = true;
    else if (OPENERS.has(byte)) {
      if (depth === 0 && byte !== 0x5b) return 1;
      depth++;
      if (depth === 2 && items === 0) items = 1;
    } else if (CLOSERS.has(byte)) depth--;
    else if (byte === COMMA && depth === 1) items++;
    else if (depth === 1 && items === 0 && byte > 0x20) items = 1;
  }
  return items;
}
