import { InvalidSensorReadingError } from '@sensors/sensor-model';

/**
 * The readings an MQTT payload carries, not yet validated: one reading (a JSON object), a JSON
 * array of readings, or an envelope (an object with a `readings` array). Throws
 * `InvalidSensorReadingError` when the payload as a whole is unusable: larger than
 * `maxBytes`, not UTF-8 JSON, or neither an object nor an array.
 */
export function readMqttPayload(payload: Uint8Array, maxBytes: number): unknown[] {
  if (payload.byteLength > maxBytes) {
    throw invalid(`is ${payload.byteLength} bytes, more than the ${maxBytes} allowed (--mqtt-max-payload-bytes)`);
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch (err) {
    throw invalid(`is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (Array.isArray(value)) return value;
  if (typeof value !== 'object' || value === null) throw invalid('must be a JSON object or array');
  const readings = (value as Record<string, unknown>)['readings'];
  return Array.isArray(readings) ? readings : [value];
}

function invalid(problem: string): InvalidSensorReadingError {
  return new InvalidSensorReadingError([{ field: '(payload)', value: undefined, problem }]);
}
