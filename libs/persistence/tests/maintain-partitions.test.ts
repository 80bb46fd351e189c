import type { DataSource } from 'typeorm';
import { maintainPartitions, migrate, saveReadings } from '../src';
import { enrichedReading } from './readings';
import { useEmptyDatabasePerTest, useMigratedDatabase } from './migrated-database';

const DAY_MS = 86_400_000;
const now = new Date('2026-12-01T10:00:00Z');

describe('maintainPartitions', () => {
  const fresh = useEmptyDatabasePerTest();
  const connect = () => fresh.connect();

  async function partitionOf(dataSource: DataSource, id: string): Promise<string[]> {
    const rows: { partition: string }[] = await dataSource.query(
      'SELECT tableoid::regclass::text AS partition FROM sensor_readings WHERE id = $1 ORDER BY measured_at',
      [id],
    );
    return rows.map((row) => row.partition);
  }

  it('creates the current day and two ahead, then nothing more when run again', async () => {
    const dataSource = await connect();
    await migrate(dataSource);
    expect(await maintainPartitions(dataSource, { now })).toEqual({
      created: ['sensor_readings_20261201', 'sensor_readings_20261202', 'sensor_readings_20261203'],
      dropped: [],
      expiredRowsDeleted: 0,
      analyzed: [
        'sensor_readings_20261201',
        'sensor_readings_20261202',
        'sensor_readings_20261203',
        'sensor_readings_default',
      ],
    });
    expect(await maintainPartitions(dataSource, { now })).toEqual({
      created: [],
      dropped: [],
      expiredRowsDeleted: 0,
      analyzed: [],
    });
    await saveReadings(dataSource, [enrichedReading('today', { time_of_measurement: '2026-12-01T23:59:59.999Z' })]);
    expect(await partitionOf(dataSource, 'today')).toEqual(['sensor_readings_20261201']);
  });

  it('moves the rows waiting in DEFAULT into the partition created for them', async () => {
    const dataSource = await connect();
    await migrate(dataSource);
    await saveReadings(dataSource, [
      enrichedReading('early', { time_of_measurement: '2026-12-02T08:00:00Z' }),
      enrichedReading('early', { time_of_measurement: '2026-12-09T08:00:00Z' }),
    ]);
    expect(await partitionOf(dataSource, 'early')).toEqual(['sensor_readings_default', 'sensor_readings_default']);

    await maintainPartitions(dataSource, { now, period: 'week', ahead: 0 });
    expect(await partitionOf(dataSource, 'early')).toEqual(['sensor_readings_20261130', 'sensor_readings_default']);
  });

  it('creates month partitions, and starts where existing partitions end when the period changes', async () => {
    const dataSource = await connect();
    await migrate(dataSource);
    await maintainPartitions(dataSource, { now, period: 'day', ahead: 1 });
    expect((await maintainPartitions(dataSource, { now, period: 'month', ahead: 1 })).created).toEqual([
      'sensor_readings_20261203',
      'sensor_readings_202701',
    ]);
    const bounds: { bound: string }[] = await dataSource.query(
      "SELECT pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_class c WHERE c.relname = 'sensor_readings_20261203'",
    );
    expect(bounds[0].bound).toMatch(/FROM \('2026-12-03 00:00:00\+00'\) TO \('2027-01-01 00:00:00\+00'\)/);
  });

  it('drops partitions past the retention and deletes expired rows from DEFAULT, keeping the rest', async () => {
    const dataSource = await connect();
    await migrate(dataSource);
    await maintainPartitions(dataSource, { now: new Date(now.getTime() - 10 * DAY_MS), ahead: 0 });
    await maintainPartitions(dataSource, { now: new Date(now.getTime() - 2 * DAY_MS), ahead: 0 });
    await saveReadings(dataSource, [
      enrichedReading('kept', { time_of_measurement: '2026-11-29T12:00:00Z' }),
      enrichedReading('dropped', { time_of_measurement: '2026-11-21T12:00:00Z' }),
      enrichedReading('expired', { time_of_measurement: '2019-06-24T15:00:00Z' }),
      enrichedReading('kept', { time_of_measurement: '2026-11-25T12:00:00Z' }),
    ]);

    const done = await maintainPartitions(dataSource, { now, ahead: 0, retentionMs: 7 * DAY_MS });
    expect(done).toMatchObject({ dropped: ['sensor_readings_20261121'], expiredRowsDeleted: 1 });
    const ids: { id: string }[] = await dataSource.query('SELECT id FROM sensor_readings ORDER BY measured_at');
    expect(ids.map((row) => row.id)).toEqual(['kept', 'kept']);
  });

  it('lets several processes maintain together, each partition created once', async () => {
    const dataSources = await Promise.all([connect(), connect(), connect()]);
    await migrate(dataSources[0]);
    const runs = await Promise.all(dataSources.map((dataSource) => maintainPartitions(dataSource, { now })));
    expect(runs.flatMap((run) => run.created).sort()).toEqual([
      'sensor_readings_20261201',
      'sensor_readings_20261202',
      'sensor_readings_20261203',
    ]);
  });

  it('refuses a negative number of periods ahead or a retention that is not positive', async () => {
    const dataSource = await connect();
    await expect(maintainPartitions(dataSource, { ahead: -1 })).rejects.toThrow(/ahead must be/);
    await expect(maintainPartitions(dataSource, { retentionMs: 0 })).rejects.toThrow(/retentionMs must be positive/);
  });
});

describe('sensor_reading_buckets', () => {
  const migrated = useMigratedDatabase();

  it('gives count, min, max and mean °C per bucket of the range, leaving out empty buckets', async () => {
    const at = (time: string, celsius: number, id = `b-${time}`) =>
      enrichedReading(id, { time_of_measurement: time, temperature_c: celsius });
    await saveReadings(migrated.dataSource, [
      at('2026-12-01T10:00:00Z', 10),
      at('2026-12-01T10:04:59Z', 20),
      at('2026-12-01T10:15:00Z', -5),
      at('2026-12-01T10:20:00Z', 99),
    ]);
    const buckets = await migrated.dataSource.query<unknown[]>(
      "SELECT * FROM sensor_reading_buckets('2026-12-01T10:00:00Z', '2026-12-01T10:20:00Z', '5 minutes')",
    );
    expect(buckets).toEqual([
      { bucket_start: new Date('2026-12-01T10:00:00Z'), readings: '2', min_c: 10, max_c: 20, mean_c: 15 },
      { bucket_start: new Date('2026-12-01T10:15:00Z'), readings: '1', min_c: -5, max_c: -5, mean_c: -5 },
    ]);
  });
});
