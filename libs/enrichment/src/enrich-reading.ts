import { fahrenheitToCelsius } from './fahrenheit-to-celsius';

/** What enrichment needs of a reading: a `content` with `temperature_f` (a `SensorReading` of `@sensors/sensor-model` fits). */
export interface FahrenheitReading {
  content: { temperature_f: number };
}

/** The reading with `content.temperature_c` added. */
export type CelsiusReading<R extends FahrenheitReading> = R & { content: R['content'] & { temperature_c: number } };

/**
 * Returns a copy of the reading with `content.temperature_c` added; the input is not changed.
 * Any `temperature_c` the input already had is replaced by the computed one. Typed by the
 * reading's shape alone, so that this library needs no other at run time. A caller that owns
 * the reading (one it has just parsed) adds the field without a copy with `enrichReadingInPlace`.
 *
 * @example
 * enrichReading({ id: 'a1', type: 'Sensor', content: { temperature_f: 90, time_of_measurement: '2019-06-24T15:00:00' } })
 *   .content.temperature_c; // 32.22222222222222
 */
export function enrichReading<R extends FahrenheitReading>(reading: R): CelsiusReading<R> {
  // Object.assign, not spreads, which cost ten times as much here (docs/performance.md): this runs per reading.
  const content = Object.assign({}, reading.content) as CelsiusReading<R>['content'];
  content.temperature_c = fahrenheitToCelsius(content.temperature_f);
  const enriched = Object.assign({}, reading) as CelsiusReading<R>;
  enriched.content = content;
  return enriched;
}
