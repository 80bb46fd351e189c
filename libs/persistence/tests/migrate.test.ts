import { DataSource } from 'typeorm';
import { maintainPartitions, migrate, saveReadings } from '../src';
import { CreateSensorReadings1732838400000 } from '../src/migrations/1732838400000-create-sensor-readings';
import { PartitionSensorReadings1796083200000 } from '../src/migrations/1796083200000-partition-sensor-readings';
import { CreateSensorReadingBuckets1796083200001 } from '../src/migrations/1796083200001-create-sensor-reading-buckets';
import { enrichedReading } from './readings';
import { useEmptyDatabasePerTest } from './migrated-database';

/** Saves one reading of 1 °F with this id and time, as the consumer would. */
function saveOneReading(dataSource: DataSource, id: string, time: string) {
  return saveReadings(dataSource, [
    enrichedReading(id, { time_of_measurement: time, temperature_f: 1, temperature_c: ((1 - 32) * 5) / 9.0 }),
  ]);
}

const MIGRATIONS = [
  'CreateSensorReadings1732838400000',
  'PartitionSensorReadings1796083200000',
  'CreateSensorReadingBuckets1796083200001',
  'KeySensorReadingsByTime1796083200002',
];

describe('migrate', () => {
  // Every test starts from an empty database, since migrating is what is under test.
  const fresh = useEmptyDatabasePerTest();
  const connect = () => fresh.connect();

  it('creates sensor_readings partitioned by measured_at, with seven columns and the key (measured_at, id)', async () => {
    const dataSource = await connect();
    await migrate(dataSource);

    const columns: Record<string, unknown>[] = await dataSource.query(
      `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
         FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = 'sensor_readings'
        ORDER BY ordinal_position`,
    );
    expect(columns.map((column) => Object.values(column))).toEqual([
      ['id', 'character varying', 128, 'NO', null],
      ['sensor_type', 'text', null, 'NO', null],
      ['temperature_f', 'double precision', null, 'NO', null],
      ['temperature_c', 'double precision', null, 'NO', null],
      ['measured_at', 'timestamp with time zone', null, 'NO', null],
      ['ingested_at', 'timestamp with time zone', null, 'NO', 'now()'],
      ['extra', 'jsonb', null, 'YES', null],
    ]);

    const primaryKey = await dataSource.query<{ column_name: string }[]>(
      `SELECT kcu.column_name
         FROM information_schema.table_constraints tc
         JOIN information_schema.key_column_usage kcu USING (constraint_schema, constraint_name)
        WHERE tc.table_name = 'sensor_readings' AND tc.constraint_type = 'PRIMARY KEY'
        ORDER BY kcu.ordinal_position`,
    );
    expect(primaryKey).toEqual([{ column_name: 'measured_at' }, { column_name: 'id' }]);

    const [partitioning] = await dataSource.query<{ key: string; pkey: string }[]>(
      "SELECT pg_get_partkeydef('sensor_readings'::regclass) AS key, pg_get_indexdef('sensor_readings_pkey'::regclass) AS pkey",
    );
    expect(partitioning.key).toBe('RANGE (measured_at)');
    expect(partitioning.pkey).toMatch(/USING btree \(measured_at, id\)$/);
    // The key's btree serves time ranges; no other index is written per row.
    expect(await dataSource.query("SELECT indexname FROM pg_indexes WHERE tablename = 'sensor_readings'")).toEqual([
      { indexname: 'sensor_readings_pkey' },
    ]);
  });

  it('returns the names of the migrations it applied', async () => {
    const dataSource = await connect();
    expect(await migrate(dataSource)).toEqual(MIGRATIONS);
  });

  it('does nothing when the schema is current', async () => {
    const dataSource = await connect();
    await migrate(dataSource);
    expect(await migrate(dataSource)).toEqual([]);
    expect(await dataSource.query('SELECT name FROM migrations ORDER BY id')).toEqual(
      MIGRATIONS.map((name) => ({ name })),
    );
  });

  it('applies each migration once when two processes migrate together', async () => {
    const [first, second] = await Promise.all([connect(), connect()]);
    const applied = await Promise.all([migrate(first), migrate(second)]);
    expect(applied.flat()).toEqual(MIGRATIONS);
    expect(await first.query('SELECT name FROM migrations ORDER BY id')).toEqual(MIGRATIONS.map((name) => ({ name })));
  });

  it('leaves a schema that matches the entity', async () => {
    const dataSource = await connect();
    await migrate(dataSource);
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('rolls back and releases its lock when a migration fails', async () => {
    const dataSource = await connect();
    await dataSource.query('CREATE TABLE sensor_readings (id int)');

    await expect(migrate(dataSource)).rejects.toThrow(/already exists/);
    expect(await dataSource.query('SELECT name FROM migrations')).toEqual([]);
    const locks = await dataSource.query<unknown[]>(
      "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    );
    expect(locks).toEqual([]);
  });

  it('upgrades an unpartitioned table with data without losing a row', async () => {
    const old = new DataSource({
      type: 'postgres',
      url: fresh.database.url,
      migrations: [CreateSensorReadings1732838400000],
      logging: false,
    });
    fresh.adopt(old);
    await old.initialize();
    await old.runMigrations();
    await old.query(`
      INSERT INTO sensor_readings (id, sensor_type, temperature_f, temperature_c, measured_at, ingested_at)
      SELECT 'old-' || n, 'Sensor', n, (n - 32) * 5 / 9.0, timestamptz '2019-06-24 15:00Z' + n * interval '1 minute',
             timestamptz '2020-01-01 00:00Z'
        FROM generate_series(1, 5000) AS n
    `);
    const checksum = `SELECT count(*)::int AS count, md5(string_agg(id || sensor_type || temperature_f || temperature_c
                        || measured_at || ingested_at, ',' ORDER BY id)) AS digest FROM sensor_readings`;
    const [before] = await old.query<{ count: number; digest: string }[]>(checksum);

    const dataSource = await connect();
    expect(await migrate(dataSource)).toEqual(MIGRATIONS.slice(1));
    expect(await dataSource.query(checksum)).toEqual([before]);
    expect(before.count).toBe(5000);
    expect(await saveOneReading(dataSource, 'old-1', '2019-06-24T15:01:00Z')).toMatchObject({ duplicates: 1 });
  });

  it('re-keys a partitioned table with data by (measured_at, id) without losing or moving a row', async () => {
    const old = new DataSource({
      type: 'postgres',
      url: fresh.database.url,
      migrations: [
        CreateSensorReadings1732838400000,
        PartitionSensorReadings1796083200000,
        CreateSensorReadingBuckets1796083200001,
      ],
      logging: false,
    });
    fresh.adopt(old);
    await old.initialize();
    await old.runMigrations();
    await maintainPartitions(old, { now: new Date('2026-12-01T10:00:00Z') });
    // Three days of partitions and, before and after them, rows that wait in DEFAULT.
    await old.query(`
      INSERT INTO sensor_readings (id, sensor_type, temperature_f, temperature_c, measured_at, ingested_at, extra)
      SELECT 'kept-' || (n % 1000), 'Sensor', n, (n - 32) * 5 / 9.0, timestamptz '2026-11-30 00:00Z' + n * interval '1 minute',
             timestamptz '2026-12-01 00:00Z', CASE WHEN n % 7 = 0 THEN jsonb_build_object('n', n) END
        FROM generate_series(1, 7000) AS n
    `);
    const checksum = `SELECT count(*)::int AS count, md5(string_agg(tableoid::regclass || id || sensor_type || temperature_f
                        || temperature_c || measured_at || ingested_at || coalesce(extra::text, ''), ',' ORDER BY measured_at, id)) AS digest
                        FROM sensor_readings`;
    const [before] = await old.query<{ count: number; digest: string }[]>(checksum);

    const dataSource = await connect();
    expect(await migrate(dataSource)).toEqual(['KeySensorReadingsByTime1796083200002']);
    expect(await dataSource.query(checksum)).toEqual([before]);
    expect(before.count).toBe(7000);
    const [{ pkey }] = await dataSource.query<{ pkey: string }[]>(
      "SELECT pg_get_indexdef('sensor_readings_20261201_pkey'::regclass) AS pkey",
    );
    expect(pkey).toMatch(/USING btree \(measured_at, id\)$/);
    expect(await saveOneReading(dataSource, 'kept-1', '2026-11-30T00:01:00Z')).toMatchObject({
      stored: 0,
      duplicates: 1,
    });
  });
});
