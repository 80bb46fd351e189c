import type { UnknownFields } from './sensor-reading';

/** The fields a reading's `content` may carry besides those the model knows. */
const KNOWN_CONTENT_FIELDS = new Set(['temperature_f', 'time_of_measurement', 'temperature_c']);

/**
 * The fields of a reading's `content` that the model does not know (e.g. `humidity_pct`), as
 * sent, or undefined when there are none: they travel in the reading's `extra` and are stored,
 * never dropped without a word.
 *
 * @example
 * unknownFieldsOf({ id: 'r1', type: 'Sensor', content: { temperature_f: 90, humidity_pct: 41 } }); // { humidity_pct: 41 }
 */
export function unknownFieldsOf(reading: unknown): UnknownFields | undefined {
  if (typeof reading !== 'object' || reading === null) return undefined;
  const content = (reading as Record<string, unknown>)['content'];
  if (typeof content !== 'object' || content === null || Array.isArray(content)) return undefined;
  let extra: Record<string, unknown> | undefined;
  // Own names, as Object.keys lists them, without the array it makes for every reading.
  for (const name in content) {
    if (KNOWN_CONTENT_FIELDS.has(name) || !Object.hasOwn(content, name)) continue;
    extra ??= {};
    Object.defineProperty(extra, name, {
      value: (content as Record<string, unknown>)[name],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return extra;
}
