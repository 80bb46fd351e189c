import type { CelsiusReading, FahrenheitReading } from './enrich-reading';
import { fahrenheitToCelsius } from './fahrenheit-to-celsius';

/**
 * Adds `content.temperature_c` to the reading itself and returns that same reading, typed as
 * enriched: for a caller that owns the reading, such as one `parseSensorReading` has just
 * built, where {@link enrichReading}'s copy would be a second copy of a fresh object. Any
 * `temperature_c` already present is replaced by the computed one. Use `enrichReading` for a
 * reading that others may still hold.
 *
 * @example
 * const reading = enrichReadingInPlace(parseSensorReading(message.content));
 * reading.content.temperature_c; // 32.22222222222222 for temperature_f 90
 */
export function enrichReadingInPlace<R extends FahrenheitReading>(reading: R): CelsiusReading<R> {
  const enriched = reading as CelsiusReading<R>;
  enriched.content.temperature_c = fahrenheitToCelsius(reading.content.temperature_f);
  return enriched;
}
