import { isMeasurementTimeProblem, parseMeasurementTime, type EnrichedSensorReading } from '@sensors/sensor-model';
import type { DataSource } from 'typeorm';

// One array per column rather than one parameter per value: a batch of any size stays within
// Postgres's 65,535 bind parameters. Every timestamp carries an offset, so the session's
// TimeZone never decides what a time means.
const INSERT_READINGS = `
  INSERT INTO sensor_readings (id, sensor_type, temperature_f, temperature_c, measured_at)
  SELECT * FROM unnest($1::varchar[], $2::text[], $3::float8[], $4::float8[], $5::timestamptz[])
  ON CONFLICT (id) DO NOTHING
`;

/**
 * Stores a batch of readings in one statement and returns how many of them were new.
 * A reading whose id is already stored (or repeated within the batch) is skipped, so a
 * redelivered batch can be saved again safely.
 *
 * The batch succeeds or fails as a whole. If it fails, `isDataError(err)` tells whether
 * Postgres rejected the data (save the readings one by one to find the bad one) or the
 * failure is transient (retry the batch).
 *
 * @example
 * const saved = await saveReadings(dataSource, batch.map(enrichReading));
 * log.info({ count: batch.length, saved }, 'batch saved');
 */
export async function saveReadings(
  dataSource: DataSource,
  readings: readonly EnrichedSensorReading[],
): Promise<number> {
  if (readings.length === 0) return 0;
  const ids: string[] = [];
  const types: string[] = [];
  const fahrenheit: number[] = [];
  const celsius: number[] = [];
  const measuredAt: (string | undefined)[] = [];
  let lastTime: string | undefined;
  let lastResolved: string | undefined;
  for (const reading of readings) {
    ids.push(reading.id);
    types.push(reading.type);
    fahrenheit.push(reading.content.temperature_f);
    celsius.push(reading.content.temperature_c);
    // Readings of one moment arrive together: read each time once. The instant validation
    // accepted, in canonical UTC; a time that is not one (from an unvalidated caller) is NULL,
    // for the table to refuse.
    if (reading.content.time_of_measurement !== lastTime) {
      lastTime = reading.content.time_of_measurement;
      const time = parseMeasurementTime(lastTime);
      lastResolved = isMeasurementTimeProblem(time) ? undefined : time.measuredAt;
    }
    measuredAt.push(lastResolved);
  }
  const parameters = [
    textArray(ids),
    textArray(types),
    numberArray(fahrenheit),
    numberArray(celsius),
    textArray(measuredAt),
  ];
  const queryRunner = dataSource.createQueryRunner();
  try {
    const result = await queryRunner.query(INSERT_READINGS, parameters, true);
    return result.affected ?? 0;
  } finally {
    await queryRunner.release();
  }
}

// Array literals built here rather than by the driver, which inspects every element's type on
// the way: a noticeable share of the consumer's CPU at tens of thousands of rows a second.

const NEEDS_ESCAPE = /[\\"]/;

/**
 * A Postgres array literal of text, every element quoted (so "NULL", commas and braces stay
 * text); a missing value, from a caller without types, is NULL, for the table to refuse.
 */
function textArray(values: readonly (string | undefined)[]): string {
  let literal = '{';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) literal += ',';
    if (typeof value !== 'string') literal += 'NULL';
    else literal += NEEDS_ESCAPE.test(value) ? `"${value.replace(/[\\"]/g, '\\$&')}"` : `"${value}"`;
  }
  return `${literal}}`;
}

/** A Postgres array literal of numbers, in JavaScript's shortest round-trip form; anything else is NULL. */
function numberArray(values: readonly (number | undefined)[]): string {
  let literal = '{';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) literal += ',';
    literal += typeof value === 'number' ? String(value) : 'NULL';
  }
  return `${literal}}`;
}
