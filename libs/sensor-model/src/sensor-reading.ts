/** The only `type` a reading may carry. */
export const SENSOR_TYPE = 'Sensor';

/** Absolute zero in degrees Fahrenheit: no reading may lie below it. */
export const ABSOLUTE_ZERO_F = -459.67;

/**
 * The hottest reading accepted, in degrees Fahrenheit: a billion degrees is beyond any sensor,
 * so a value above it is a fault upstream (a counter, an epoch or a unit mix-up in the field),
 * refused rather than stored as a temperature.
 */
export const MAX_TEMPERATURE_F = 1e9;

/**
 * The longest id a reading may carry, in characters (Unicode code points), counted the way
 * Postgres counts its `varchar(128)` column: 128 emoji fit, 128 letters and a variation
 * selector do not.
 */
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

/** Fields of a reading's `content` the model does not know, kept as sent (JSON values). */
export type UnknownFields = Readonly<Record<string, unknown>>;

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
  /**
   * The fields of `content` the model does not know (e.g. `humidity_pct`), when there are
   * any: carried to storage rather than dropped. On the wire they stay in `content`.
   */
  extra?: UnknownFields;
}

/** A reading with `content.temperature_c` added by the enrichment step. */
export interface EnrichedSensorReading extends SensorReading {
  content: SensorReadingContent & {
    /** Degrees Celsius, (F − 32) × 5 / 9 at full double precision. */
    temperature_c: number;
  };
}
