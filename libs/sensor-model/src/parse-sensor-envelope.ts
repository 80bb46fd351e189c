import { InvalidEnvelopeError, InvalidSensorReadingError } from './errors';
import type { MeasurementTime } from './measurement-time';
import { parseSensorReading, timeOfValidReading } from './parse-sensor-reading';
import type { SensorReading } from './sensor-reading';
import { MAX_ENVELOPE_BYTES, MAX_ENVELOPE_READINGS } from './sensor-envelope';

/** A reading of an envelope that is not valid, with its position and why. */
export interface InvalidEnvelopeReading {
  /** Its position in `readings`, from 0. */
  index: number;
  /** The value found there, as parsed from the JSON. */
  value: unknown;
  error: InvalidSensorReadingError;
}

/** An envelope's readings, sorted into the valid and the invalid ones. */
export interface ParsedEnvelope {
  /**
   * The valid readings, in envelope order, each with the instant of its `time_of_measurement`
   * as validation read it (see `parseTimedSensorReading`).
   */
  readings: { index: number; reading: SensorReading; time: MeasurementTime }[];
  /** The invalid ones, in envelope order. */
  invalid: InvalidEnvelopeReading[];
  /** How many readings the envelope holds: `readings.length + invalid.length`. */
  count: number;
}

export interface ParseSensorEnvelopeOptions {
  /** Most readings accepted (default and upper bound of the format: {@link MAX_ENVELOPE_READINGS}). */
  maxReadings?: number;
  /** Largest body accepted, in bytes (default {@link MAX_ENVELOPE_BYTES}). */
  maxBytes?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads an envelope (`{"readings": [ … ]}`, UTF-8 JSON as bytes or a string) and validates
 * each reading in it with {@link parseSensorReading}: the same declared rules, so a reading is
 * valid in an envelope exactly when it is valid alone. Bad readings are listed with their index
 * and do not spoil the others. Throws {@link InvalidEnvelopeError} when the envelope cannot be
 * read at all: too large, not UTF-8 JSON, not an object with a `readings` array, empty, or
 * holding more than `maxReadings`. Other top-level fields are ignored, so that version 1 can
 * gain optional ones.
 *
 * @example
 * const { readings, invalid } = parseSensorEnvelope(message.content);
 * readings[0].reading.id; // 'r1'
 * invalid[0]?.error.fields; // ['content.temperature_f']
 */
export function parseSensorEnvelope(
  input: Uint8Array | string,
  options: ParseSensorEnvelopeOptions = {},
): ParsedEnvelope {
  const { maxReadings = MAX_ENVELOPE_READINGS, maxBytes = MAX_ENVELOPE_BYTES } = options;
  const bytes = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (bytes > maxBytes) throw new InvalidEnvelopeError(`is ${bytes} bytes, more than the ${maxBytes} allowed`);
  const items = envelopeItems(input);
  if (items.length === 0) throw new InvalidEnvelopeError('"readings" is empty: an envelope holds at least one reading');
  if (items.length > maxReadings) {
    throw new InvalidEnvelopeError(`holds ${items.length} readings, more than the ${maxReadings} allowed`);
  }
  const parsed: ParsedEnvelope = { readings: [], invalid: [], count: items.length };
  for (let index = 0; index < items.length; index++) {
    const item: unknown = items[index];
    try {
      // A string in the array is a value, not JSON text for parseSensorReading to decode.
      if (typeof item === 'string') {
        throw new InvalidSensorReadingError([{ field: '(reading)', value: item, problem: 'must be a JSON object' }]);
      }
      const reading = parseSensorReading(item);
      parsed.readings.push({ index, reading, time: timeOfValidReading(reading) });
    } catch (err) {
      if (!(err instanceof InvalidSensorReadingError)) throw err;
      parsed.invalid.push({ index, value: item, error: err });
    }
  }
  return parsed;
}

/**
 * The items of an envelope's `readings` array as it carries them: parsed JSON, not validated,
 * read exactly as {@link parseSensorEnvelope} reads them (e.g. to dead-letter one of them in
 * its wire form, from bytes that envelope parsing took). Throws {@link InvalidEnvelopeError}
 * when the input is not UTF-8 JSON or not an object with a `readings` array; sizes and counts
 * are not checked.
 *
 * @example
 * envelopeItems('{"readings":[{"id":"r1"},7]}'); // [{ id: 'r1' }, 7]
 */
export function envelopeItems(input: Uint8Array | string): unknown[] {
  const value = decode(input);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidEnvelopeError(`must be a JSON object with a "readings" array, not ${kindOf(value)}`);
  }
  const items = (value as Record<string, unknown>)['readings'];
  if (!Array.isArray(items)) throw new InvalidEnvelopeError(`"readings" must be an array, not ${kindOf(items)}`);
  return items;
}

function decode(input: Uint8Array | string): unknown {
  let text: string;
  try {
    text = typeof input === 'string' ? input : utf8.decode(input);
  } catch {
    throw new InvalidEnvelopeError('is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InvalidEnvelopeError(`is not valid JSON (${(err as Error).message})`);
  }
}

function kindOf(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
