/** The only `type` a reading may carry. */
export const SENSOR_TYPE = 'Sensor';

/** Absolute zero in degrees Fahrenheit: no reading may lie below it. */
export const ABSOLUTE_ZERO_F = -459.67;

/**
 * The hottest reading accepted, in degrees Fahrenheit: far beyond any sensor, and low enough
 * that its Celsius value stays a finite double.
 */
export const MAX_TEMPERATURE_F = 1e9;

/** The longest id a reading may carry, in UTF-16 code units. */
export const MAX_ID_LENGTH = 128;

/** What a sensor measured, with the wire format's field names. */
export interface SensorReadingContent {
  /** Degrees Fahrenheit, a finite number from {@link ABSOLUTE_ZERO_F} to {@link MAX_TEMPERATURE_F}. */
  temperature_f: number;
  /**
   * ISO-8601 date-time, e.g. `2019-06-24T15:00:00`. A time without an offset is UTC.
   */
  time_of_measurement: string;
}

/**
 * A reading exactly as it travels.
 *
 * @example
 * { "id": "b1f6…", "type": "Sensor", "content": { "temperature_f": 90, "time_of_measurement": "2019-06-24T15:00:00" } }
 */
export interface SensorReading {
  /** Globally unique; 1 to {@link MAX_ID_LENGTH} characters of well-formed Unicode, no NUL. */
  id: string;
  type: typeof SENSOR_TYPE;
  content: SensorReadingContent;
}

/** A reading with `content.temperature_c` added by the enrichment step. */
export interface EnrichedSensorReading extends SensorReading {
  content: SensorReadingContent & {
    /** Degrees Celsius, (F − 32) × 5 / 9 at full double precision. */
    temperature_c: number;
  };
}
