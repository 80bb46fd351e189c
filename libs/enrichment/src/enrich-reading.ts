import type { EnrichedSensorReading, SensorReading } from '@sensors/sensor-model';
import { fahrenheitToCelsius } from './fahrenheit-to-celsius';

/**
 * Returns a copy of the reading with `content.temperature_c` added; the input is not changed.
 * Any `temperature_c` the input already had is replaced by the computed one.
 *
 * @example
 * enrichReading({ id: 'a1', type: 'Sensor', content: { temperature_f: 90, time_of_measurement: '2019-06-24T15:00:00' } })
 *   .content.temperature_c; // 32.22222222222222
 */
export function enrichReading(reading: SensorReading): EnrichedSensorReading {
  return {
    ...reading,
    content: { ...reading.content, temperature_c: fahrenheitToCelsius(reading.content.temperature_f) },
  };
}
