import type { EnrichedSensorReading, SensorReadingContent } from '@sensors/sensor-model';

/** A valid enriched reading (90 °F at 2019-06-24T15:00:00) with the given id and changes. */
export function enrichedReading(
  id: string,
  content: Partial<SensorReadingContent & { temperature_c: number }> = {},
): EnrichedSensorReading {
  return {
    id,
    type: 'Sensor',
    content: {
      temperature_f: 90,
      temperature_c: 32.22222222222222,
      time_of_measurement: '2019-06-24T15:00:00',
      ...content,
    },
  };
}
