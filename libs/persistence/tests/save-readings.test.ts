import type { DataSource } from 'typeorm';
import type { EnrichedSensorReading } from '@sensors/sensor-model';
import { createDataSource, isDataError, migrate, saveReadings } from '../src';
import { enrichedReading } from './readings';
import { createTestDatabase, type TestDatabase } from '@sensors/testing';

interface StoredRow {
  id: string;
  sensor_type: string;
  temperature_f: number;
  temperature_c: number;
  measured_at: Date;
  ingested_at: Date;
}

describe('saveReadings', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await createDataSource({ url: database.url }).initialize();
    await migrate(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  async function storedRows(ids: readonly string[]): Promise<StoredRow[]> {
    return dataSource.query('SELECT * FROM sensor_readings WHERE id = ANY($1) ORDER BY id', [ids]);
  }

  it('returns 0 for an empty batch without querying', async () => {
    // Never initialized: any query would throw.
    const unconnected = createDataSource({ url: database.url });
    expect(await saveReadings(unconnected, [])).toBe(0);
  });

  it('stores every field of each reading and returns how many were new', async () => {
    const readings = [
      enrichedReading('store-1'),
      enrichedReading('store-2', {
        temperature_f: 212,
        temperature_c: 100,
        time_of_measurement: '2020-01-02T03:04:05.678Z',
      }),
    ];
    expect(await saveReadings(dataSource, readings)).toBe(2);

    const rows = await storedRows(['store-1', 'store-2']);
    expect(rows).toEqual([
      expect.objectContaining({
        id: 'store-1',
        sensor_type: 'Sensor',
        temperature_f: 90,
        temperature_c: 32.22222222222222,
        measured_at: new Date('2019-06-24T15:00:00Z'),
      }),
      expect.objectContaining({
        id: 'store-2',
        sensor_type: 'Sensor',
        temperature_f: 212,
        temperature_c: 100,
        measured_at: new Date('2020-01-02T03:04:05.678Z'),
      }),
    ]);
  });

  it('skips readings whose id is already stored and keeps the stored row', async () => {
    expect(await saveReadings(dataSource, [enrichedReading('again-1'), enrichedReading('again-2')])).toBe(2);
    const [before] = await storedRows(['again-1']);

    const redelivered = [
      enrichedReading('again-1', { temperature_f: 0, temperature_c: -17.77777777777778 }),
      enrichedReading('again-2'),
      enrichedReading('again-3'),
    ];
    expect(await saveReadings(dataSource, redelivered)).toBe(1);

    const [after] = await storedRows(['again-1']);
    expect(after).toEqual(before);
    expect(await storedRows(['again-1', 'again-2', 'again-3'])).toHaveLength(3);
  });

  it('stores an id repeated within one batch once', async () => {
    const batch = [
      enrichedReading('twice-1'),
      enrichedReading('twice-1', { temperature_f: 50, temperature_c: 10 }),
      enrichedReading('twice-2'),
    ];
    expect(await saveReadings(dataSource, batch)).toBe(2);
    expect(await storedRows(['twice-1', 'twice-2'])).toHaveLength(2);
  });

  it('keeps full double precision', async () => {
    const values = [32.22222222222222, 0.1 + 0.2, -459.67, 5e-324, 1.7976931348623157e308];
    const readings = values.map((value, i) =>
      enrichedReading(`precision-${i}`, { temperature_f: value, temperature_c: value }),
    );
    await saveReadings(dataSource, readings);

    const rows = await storedRows(readings.map((reading) => reading.id));
    expect(rows.map((row) => row.temperature_f)).toEqual(values);
    expect(rows.map((row) => row.temperature_c)).toEqual(values);
  });

  it('stores a time without an offset as UTC whatever the session time zone', async () => {
    const url = new URL(database.url);
    url.searchParams.set('options', '-c TimeZone=America/New_York');
    const newYork = await createDataSource({ url: url.toString() }).initialize();
    try {
      expect(await newYork.query('SHOW TimeZone')).toEqual([{ TimeZone: 'America/New_York' }]);
      await saveReadings(newYork, [enrichedReading('zone-1', { time_of_measurement: '2019-06-24T15:00:00' })]);

      const stored = await newYork.query(
        "SELECT to_char(measured_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS utc FROM sensor_readings WHERE id = 'zone-1'",
      );
      expect(stored).toEqual([{ utc: '2019-06-24 15:00:00' }]);
    } finally {
      await newYork.destroy();
    }
  });

  it('respects an explicit offset', async () => {
    await saveReadings(dataSource, [
      enrichedReading('offset-1', { time_of_measurement: '2019-06-24T15:00:00+02:00' }),
      enrichedReading('offset-2', { time_of_measurement: '2019-06-24T15:00:00-0530' }),
    ]);
    const rows = await storedRows(['offset-1', 'offset-2']);
    expect(rows.map((row) => row.measured_at.toISOString())).toEqual([
      '2019-06-24T13:00:00.000Z',
      '2019-06-24T20:30:00.000Z',
    ]);
  });

  it('lets the database set ingested_at', async () => {
    const [{ now: before }] = await dataSource.query('SELECT clock_timestamp() AS now');
    await saveReadings(dataSource, [enrichedReading('ingested-1')]);
    const [{ now: after }] = await dataSource.query('SELECT clock_timestamp() AS now');

    const [row] = await storedRows(['ingested-1']);
    expect(row.ingested_at.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(row.ingested_at.getTime()).toBeLessThanOrEqual(after.getTime());
  });

  it('stores odd but valid ids byte for byte', async () => {
    const ids = [
      "o'brien",
      'double "quoted"',
      "'); DROP TABLE sensor_readings; --",
      'back\\slash, {braces}, comma',
      'NULL',
      '  spaced  ',
      'Zürich-Grüße-温度',
      '🌡️ sensor 🔥',
      'x'.repeat(128),
      '🌡'.repeat(64),
    ];
    const readings = ids.map((id) => enrichedReading(id));
    expect(await saveReadings(dataSource, readings)).toBe(ids.length);

    const stored: { id: string }[] = await dataSource.query('SELECT id FROM sensor_readings WHERE id = ANY($1)', [ids]);
    expect(stored.map((row) => row.id).sort()).toEqual([...ids].sort());
    const [{ count }] = await dataSource.query('SELECT count(*)::int AS count FROM sensor_readings');
    expect(count).toBeGreaterThanOrEqual(ids.length);
  });

  it.each([
    ['an id', (r: EnrichedSensorReading) => ({ ...r, id: undefined })],
    ['a temperature', (r: EnrichedSensorReading) => ({ ...r, content: { ...r.content, temperature_f: '1,2' } })],
  ])('lets the table refuse a reading without %s, from a caller without types, as a data error', async (_, spoil) => {
    const reading = spoil(enrichedReading('spoilt')) as unknown as EnrichedSensorReading;
    const refusal = await saveReadings(dataSource, [enrichedReading('fine'), reading]).catch((err: unknown) => err);
    expect(isDataError(refusal)).toBe(true);
    expect(await storedRows(['fine', 'spoilt'])).toEqual([]);
  });

  it('saves 20,000 readings in one call', async () => {
    const readings = Array.from({ length: 20_000 }, (_, i) =>
      enrichedReading(`bulk-${i}`, { temperature_f: i, temperature_c: ((i - 32) * 5) / 9 }),
    );
    expect(await saveReadings(dataSource, readings)).toBe(20_000);

    const [{ count, sum }] = await dataSource.query(
      "SELECT count(*)::int AS count, sum(temperature_f)::float8 AS sum FROM sensor_readings WHERE id LIKE 'bulk-%'",
    );
    expect({ count, sum }).toEqual({ count: 20_000, sum: (19_999 * 20_000) / 2 });
  });
});
