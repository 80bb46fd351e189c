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

/**
 * Reads the readings a request body holds: one JSON object, a JSON array of them, or NDJSON
 * (one per line, blank lines skipped). An NDJSON line that is not JSON is an item like any
 * other (it is rejected on its own); a JSON body that does not parse throws
 * {@link InvalidRequestBodyError}.
 */
export async function readRequestReadings(body: Buffer, ndjson: boolean): Promise<RequestItem[]> {
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
  return (Array.isArray(value) ? value : [value]).map((input, index) => ({ index, input }));
}
