import {
  isMeasurementTimeProblem,
  parseMeasurementTime,
  type EnrichedSensorReading,
  type MeasurementTime,
} from '@sensors/sensor-model';
import type { DataSource } from 'typeorm';

/** A reading to store: enriched, with the fields the model does not know in `extra`. */
export type StorableReading = EnrichedSensorReading & {
  /** Fields of the reading the model does not know, kept as received in the `extra` column. */
  extra?: Record<string, unknown>;
};

/** Why a reading of a batch was not stored. */
export type RejectionCode = 'conflicting-reading' | 'expired';

/** A reading of the batch that was not stored, and why: dead-letter it with `code`. */
export interface RejectedReading {
  /** Its index in the batch. */
  index: number;
  code: RejectionCode;
  /** What is wrong, with both values for a conflict. */
  message: string;
}

/** What became of a batch. */
export interface SaveReport {
  /** Readings stored now. */
  stored: number;
  /** Readings already stored with the same content (redeliveries, or repeated within the batch): absorbed. */
  duplicates: number;
  /** Readings refused, in batch order. */
  rejected: RejectedReading[];
}

/** How `saveReadings` judges a batch. */
export interface SaveReadingsOptions {
  /** Readings measured before this instant are refused as `expired` (the retention's horizon). */
  notBefore?: Date;
  /**
   * Each reading's `time_of_measurement` as `parseMeasurementTime` read it, in batch order, when
   * the caller has them (validation does: `parseTimedSensorReading`, `parseSensorEnvelope`):
   * they are stored as given, not read again. Without them each time is read here.
   */
  times?: readonly MeasurementTime[];
}

// One array per column rather than one parameter per value: a batch of any size stays within
// Postgres's 65,535 bind parameters. Every timestamp carries an offset, so the session's
// TimeZone never decides what a time means.
const INSERT_READINGS = `
  INSERT INTO sensor_readings (id, sensor_type, temperature_f, temperature_c, measured_at, extra)
  SELECT * FROM unnest($1::varchar[], $2::text[], $3::float8[], $4::float8[], $5::timestamptz[], $6::jsonb[])
  ON CONFLICT (id, measured_at) DO NOTHING
`;

// Run only when the insert did not take every row. It runs in a snapshot of its own, so it sees
// the rows another transaction committed while the insert waited; the rows the insert just took
// hold the same content, so what differs is exactly the conflicts.
const FIND_CONFLICTS = `
  SELECT r.index, s.temperature_f, s.sensor_type, s.extra::text AS extra
    FROM unnest($1::varchar[], $2::text[], $3::float8[], $4::timestamptz[], $5::jsonb[], $6::int[])
      AS r(id, sensor_type, temperature_f, measured_at, extra, index)
    JOIN sensor_readings s ON s.id = r.id AND s.measured_at = r.measured_at
   WHERE (s.sensor_type, s.temperature_f, s.extra) IS DISTINCT FROM (r.sensor_type, r.temperature_f, r.extra)
`;

interface StoredConflict {
  index: number;
  temperature_f: number;
  sensor_type: string;
  extra: string | null;
}

/**
 * Stores a batch of readings in one statement and reports what became of each. A reading is
 * identified by its id and its time of measurement, to the microsecond:
 * - the same id and time with the same content (type, °F, extra) is a duplicate, absorbed, so
 *   a redelivered batch can be saved again safely;
 * - the same id and time with different content is refused as `conflicting-reading`, with
 *   both values in the message; the stored row is kept;
 * - a reading measured before `notBefore` is refused as `expired`.
 *
 * Content is compared as Postgres compares it (-0 °F equals 0 °F; the keys of an object in
 * `extra` may come in any order), and a reading is judged alike whether what it repeats is in
 * its own batch or stored before. The same id at another time is another reading. A reading
 * whose time no partition covers is stored in the DEFAULT partition, never refused.
 *
 * Pass the instants validation read as `times` (see {@link SaveReadingsOptions}) to spare
 * reading each time again.
 *
 * A batch is one statement; only a batch with readings the insert did not take costs a second
 * one, which compares those (and the batch's repeats) with the stored rows. The batch succeeds
 * or fails as a whole. If it fails, `isDataError(err)` tells whether Postgres rejected the data
 * (save the readings one by one to find the bad one) or the failure is transient (retry the
 * batch).
 *
 * @example
 * const report = await saveReadings(dataSource, batch.map(enrichReading), { notBefore });
 * for (const { index, code, message } of report.rejected) deadLetter(batch[index], code, message);
 */
export async function saveReadings(
  dataSource: DataSource,
  readings: readonly StorableReading[],
  options: SaveReadingsOptions = {},
): Promise<SaveReport> {
  const report: SaveReport = { stored: 0, duplicates: 0, rejected: [] };
  if (readings.length === 0) return report;
  const notBefore = options.notBefore?.getTime() ?? -Infinity;
  const ids: string[] = [];
  const types: string[] = [];
  const fahrenheit: number[] = [];
  const celsius: number[] = [];
  const measuredAt: (bigint | undefined)[] = [];
  const extras: (string | undefined)[] = [];
  const indexes: number[] = [];
  // Each reading's instant exactly as it is stored (see postgresMicros), for its key: two
  // times a microsecond apart are two readings, two texts of one instant are one.
  const instants: (bigint | undefined)[] = [];
  // The first reading of each key (instant and id) goes to the database; a repeat is compared
  // with it once the database has judged it. Looked up by id alone, since ids repeat only in
  // redeliveries and replays; a key of both is built only for an id seen at another instant.
  const firstOfId = new Map<string, number>();
  let firstOfKey: Map<string, number> | undefined;
  const keyOf = (index: number): string => `${instants[index]}\u0000${readings[index].id}`;
  /** The earlier reading of the batch with the key of the one at `index`; undefined (and this one recorded) if none. */
  const firstOf = (index: number): number | undefined => {
    const id = readings[index].id;
    const firstWithId = firstOfId.get(id);
    if (firstWithId === undefined) {
      firstOfId.set(id, index);
      return undefined;
    }
    const key = keyOf(index);
    if (keyOf(firstWithId) === key) return firstWithId;
    firstOfKey ??= new Map();
    if (!firstOfKey.has(keyOf(firstWithId))) firstOfKey.set(keyOf(firstWithId), firstWithId);
    const first = firstOfKey.get(key);
    if (first === undefined) firstOfKey.set(key, index);
    return first;
  };
  const repeats: { index: number; first: number }[] = [];
  const { times } = options;
  let lastTime: string | undefined;
  let lastMicros: bigint | undefined;
  let lastInstant = 0;
  for (let index = 0; index < readings.length; index++) {
    const reading = readings[index];
    // Readings of one moment arrive together: resolve each time once.
    if (reading.content.time_of_measurement !== lastTime) {
      lastTime = reading.content.time_of_measurement;
      // The instant validation accepted; a time that is not one (from an unvalidated caller)
      // is NULL, for the table to refuse.
      const time = times?.[index] ?? parseMeasurementTime(lastTime);
      lastMicros = isMeasurementTimeProblem(time) ? undefined : postgresMicros(time);
      lastInstant = isMeasurementTimeProblem(time) ? Number.NaN : time.epochMs;
    }
    instants.push(lastMicros);
    if (lastInstant < notBefore) {
      report.rejected.push({
        index,
        code: 'expired',
        message: `reading ${reading.id} measured at ${lastTime} is older than the retention allows (${options.notBefore?.toISOString()}): it would be dropped with its partition`,
      });
      continue;
    }
    // A time that is not one has no key: the reading goes to the database, for the table to refuse.
    const first = lastMicros === undefined ? undefined : firstOf(index);
    if (first !== undefined) {
      repeats.push({ index, first });
      continue;
    }
    ids.push(reading.id);
    types.push(reading.type);
    fahrenheit.push(reading.content.temperature_f);
    celsius.push(reading.content.temperature_c);
    measuredAt.push(lastMicros);
    extras.push(reading.extra === undefined ? undefined : JSON.stringify(reading.extra));
    indexes.push(index);
  }
  if (ids.length > 0) {
    const queryRunner = dataSource.createQueryRunner();
    try {
      let idArray = textArray(ids);
      let typeArray = textArray(types);
      let fahrenheitArray = float8Array(fahrenheit);
      let timeArray = timestamptzArray(measuredAt);
      let extraArray = jsonbArray(extras);
      const result = (await queryRunner.query(
        INSERT_READINGS,
        [idArray, typeArray, fahrenheitArray, float8Array(celsius), timeArray, extraArray],
        true,
      )) as { affected?: number };
      report.stored = result.affected ?? 0;
      if (report.stored < ids.length) {
        // Some key was stored already, maybe with content other than its first's here: the
        // repeats are compared with the stored rows too, as they would be in a batch of their own.
        if (repeats.length > 0) {
          for (const { index } of repeats.splice(0)) {
            const reading = readings[index];
            ids.push(reading.id);
            types.push(reading.type);
            fahrenheit.push(reading.content.temperature_f);
            measuredAt.push(instants[index]);
            extras.push(reading.extra === undefined ? undefined : JSON.stringify(reading.extra));
            indexes.push(index);
          }
          idArray = textArray(ids);
          typeArray = textArray(types);
          fahrenheitArray = float8Array(fahrenheit);
          timeArray = timestamptzArray(measuredAt);
          extraArray = jsonbArray(extras);
        }
        const conflicts = (await queryRunner.query(FIND_CONFLICTS, [
          idArray,
          typeArray,
          fahrenheitArray,
          timeArray,
          extraArray,
          `{${indexes.join(',')}}`,
        ])) as StoredConflict[];
        report.duplicates += ids.length - report.stored - conflicts.length;
        for (const row of conflicts) {
          const extra = row.extra === null ? undefined : (JSON.parse(row.extra) as Record<string, unknown>);
          report.rejected.push(conflict(row.index, readings[row.index], row.sensor_type, row.temperature_f, extra));
        }
      }
    } finally {
      await queryRunner.release();
    }
  }
  // Left when every first was stored now, with its own content: a repeat is compared with it here.
  for (const { index, first } of repeats) {
    const reading = readings[index];
    const earlier = readings[first];
    if (sameContent(earlier, reading)) report.duplicates++;
    else report.rejected.push(conflict(index, reading, earlier.type, earlier.content.temperature_f, earlier.extra));
  }
  if (report.rejected.length > 1) report.rejected.sort((a, b) => a.index - b.index);
  return report;
}

/**
 * Whether a repeat within the batch has the content of the earlier reading, judged as
 * FIND_CONFLICTS judges a reading against a stored row, so that batching never decides between
 * a duplicate and a conflict: float8 equality for °F (-0 equals 0, NaN equals NaN) and jsonb
 * equality for `extra`.
 */
function sameContent(a: StorableReading, b: StorableReading): boolean {
  const fahrenheitA = a.content.temperature_f;
  const fahrenheitB = b.content.temperature_f;
  return (
    a.type === b.type &&
    (fahrenheitA === fahrenheitB || Object.is(fahrenheitA, fahrenheitB)) &&
    sameExtra(a.extra, b.extra)
  );
}

/**
 * Whether two `extra` values make equal jsonb: compared as the JSON they are sent as (no
 * `extra` is SQL NULL), where the order of an object's keys does not matter. Equal texts are
 * equal jsonb; only different texts are parsed back and compared.
 */
function sameExtra(a: StorableReading['extra'], b: StorableReading['extra']): boolean {
  if (a === undefined || b === undefined) return a === b;
  const textA = JSON.stringify(a);
  const textB = JSON.stringify(b);
  return textA === textB || sameJson(JSON.parse(textA), JSON.parse(textB));
}

/**
 * jsonb equality of two parsed JSON values: arrays in order, objects by key in any order.
 * Numbers compare as numbers: a double's JSON text is the shortest that reads back as it, so
 * two doubles are equal exactly when the numerics jsonb reads from their texts are.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item: unknown, i) => sameJson(item, b[i]))
    );
  }
  const objectA = a as Record<string, unknown>;
  const objectB = b as Record<string, unknown>;
  const keys = Object.keys(objectA);
  return (
    keys.length === Object.keys(objectB).length &&
    keys.every((key) => Object.hasOwn(objectB, key) && sameJson(objectA[key], objectB[key]))
  );
}

function conflict(
  index: number,
  reading: StorableReading,
  storedType: string | null,
  storedFahrenheit: number | null,
  storedExtra: Record<string, unknown> | undefined,
): RejectedReading {
  const describe = (type: string | null, fahrenheit: number | null, extra: unknown) =>
    `type ${JSON.stringify(type)}, temperature_f ${fahrenheit}, extra ${JSON.stringify(extra ?? null)}`.slice(0, 500);
  return {
    index,
    code: 'conflicting-reading',
    message:
      `reading ${reading.id} at ${reading.content.time_of_measurement} is already stored with other content: ` +
      `stored ${describe(storedType, storedFahrenheit, storedExtra)}; ` +
      `received ${describe(reading.type, reading.content.temperature_f, reading.extra)}`,
  };
}

// Array literals built here rather than by the driver, which inspects every element's type on
// the way: a noticeable share of the consumer's CPU at tens of thousands of rows a second.

const NEEDS_ESCAPE = /[\\"]/;

/**
 * A Postgres array literal of text, every element quoted (so "NULL", commas and braces stay
 * text); a missing value is NULL (for `extra`, none; elsewhere, for the table to refuse).
 */
function textArray(values: readonly (string | undefined)[]): string {
  if (values.length > 0 && needNoEscape(values)) {
    // The usual array (ids, types): joined in one native step, one flat string rather than a
    // concatenation per element for the driver to flatten.
    return `{"${values.join('","')}"}`;
  }
  let literal = '{';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) literal += ',';
    if (typeof value !== 'string') literal += 'NULL';
    else literal += NEEDS_ESCAPE.test(value) ? `"${value.replace(/[\\"]/g, '\\$&')}"` : `"${value}"`;
  }
  return `${literal}}`;
}

/**
 * A jsonb[] parameter of JSON texts, a missing value NULL; null when every value is missing
 * (the usual batch), for no array of NULLs to parse: `unnest` pads a missing array with NULLs.
 */
function jsonbArray(values: readonly (string | undefined)[]): string | null {
  return values.some((value) => value !== undefined) ? textArray(values) : null;
}

/** Whether every value is a string without a quote or backslash; a value equal to the one before (a batch's types) is not tested again. */
function needNoEscape(values: readonly (string | undefined)[]): boolean {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0 && value === values[i - 1]) continue;
    if (typeof value !== 'string' || NEEDS_ESCAPE.test(value)) return false;
  }
  return true;
}

// Numbers and instants go as binary arrays (Postgres's own array format, which the driver sends
// as is for a Buffer): no number is turned into text here, and Postgres reads each value without
// parsing text (float8in and timestamptz_in were a good part of its cost per row).

const FLOAT8_OID = 701;
const TIMESTAMPTZ_OID = 1184;
const ARRAY_HEADER_BYTES = 20;
/** 2000-01-01T00:00:00Z, where Postgres counts timestamps from, in milliseconds since 1970. */
const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);

/**
 * An instant as Postgres stores a timestamptz: microseconds since 2000-01-01 UTC (a BigInt:
 * the years up to 9999 need more than a double's 53 bits). `epochMs` drops the microseconds of
 * the canonical text, so they are read back from its fraction (`…SS.ffffffZ`).
 */
function postgresMicros({ epochMs, measuredAt }: MeasurementTime): bigint {
  const subMilli = measuredAt.length > 24 ? Number(measuredAt.slice(23, -1).padEnd(3, '0')) : 0;
  return BigInt(epochMs - POSTGRES_EPOCH_MS) * 1000n + BigInt(subMilli);
}

/** A one-dimensional binary array's header, with room for `count` elements of `elementOid`, `elementBytes` each. */
function binaryArray(elementOid: number, count: number, elementBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(ARRAY_HEADER_BYTES + count * (4 + elementBytes));
  buffer.writeInt32BE(1, 0); // dimensions
  buffer.writeInt32BE(0, 4); // has NULLs: set once one is written
  buffer.writeInt32BE(elementOid, 8);
  buffer.writeInt32BE(count, 12);
  buffer.writeInt32BE(1, 16); // lower bound
  return buffer;
}

/** A float8[] parameter; anything but a number is NULL. */
function float8Array(values: readonly (number | undefined)[]): Buffer {
  const buffer = binaryArray(FLOAT8_OID, values.length, 8);
  let offset = ARRAY_HEADER_BYTES;
  for (const value of values) {
    if (typeof value === 'number') {
      offset = buffer.writeInt32BE(8, offset);
      offset = buffer.writeDoubleBE(value, offset);
    } else {
      buffer.writeInt32BE(1, 4);
      offset = buffer.writeInt32BE(-1, offset);
    }
  }
  return buffer.subarray(0, offset);
}

/**
 * A timestamptz[] parameter from microseconds since 2000-01-01 UTC; undefined is NULL. Each
 * distinct value is split into its two 32-bit halves once (readings of one moment come
 * together): `writeBigInt64BE` makes three BigInts for every value it writes.
 */
function timestamptzArray(values: readonly (bigint | undefined)[]): Buffer {
  const buffer = binaryArray(TIMESTAMPTZ_OID, values.length, 8);
  let offset = ARRAY_HEADER_BYTES;
  let last: bigint | undefined;
  let high = 0;
  let low = 0;
  for (const value of values) {
    if (value === undefined) {
      buffer.writeInt32BE(1, 4);
      offset = buffer.writeInt32BE(-1, offset);
      continue;
    }
    if (value !== last) {
      last = value;
      high = Number(value >> 32n);
      low = Number(value & 0xffffffffn);
    }
    offset = buffer.writeInt32BE(8, offset);
    offset = buffer.writeInt32BE(high, offset);
    offset = buffer.writeUInt32BE(low, offset);
  }
  return buffer.subarray(0, offset);
}
