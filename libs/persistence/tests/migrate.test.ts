import { type DataSource } from 'typeorm';
import { createDataSource, migrate } from '../src';
import { createTestDatabase, type TestDatabase } from '@sensors/testing';

const FIRST_MIGRATION = 'CreateSensorReadings1732838400000';

describe('migrate', () => {
  // Every test starts from an empty database, since migrating is what is under test.
  let database: TestDatabase;
  const opened: DataSource[] = [];

  async function connect(): Promise<DataSource> {
    const dataSource = createDataSource({ url: database.url, poolSize: 2 });
    opened.push(dataSource);
    return dataSource.initialize();
  }

  beforeEach(async () => {
    database = await createTestDatabase();
  });

  afterEach(async () => {
    for (const dataSource of opened.splice(0)) {
      if (dataSource.isInitialized) await dataSource.destroy();
    }
    await database.drop();
  });

  it('creates sensor_readings with exactly the six columns and a primary key on id', async () => {
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
    ]);

    const primaryKey = await dataSource.query(
      `SELECT kcu.column_name
         FROM information_schema.table_constraints tc
         JOIN information_schema.key_column_usage kcu USING (constraint_schema, constraint_name)
        WHERE tc.table_name = 'sensor_readings' AND tc.constraint_type = 'PRIMARY KEY'`,
    );
    expect(primaryKey).toEqual([{ column_name: 'id' }]);
  });

  it('returns the names of the migrations it applied', async () => {
    const dataSource = await connect();
    expect(await migrate(dataSource)).toEqual([FIRST_MIGRATION]);
  });

  it('does nothing when the schema is current', async () => {
    const dataSource = await connect();
    await migrate(dataSource);
    expect(await migrate(dataSource)).toEqual([]);
    expect(await dataSource.query('SELECT name FROM migrations')).toEqual([{ name: FIRST_MIGRATION }]);
  });

  it('applies each migration once when two processes migrate together', async () => {
    const [first, second] = await Promise.all([connect(), connect()]);
    const applied = await Promise.all([migrate(first), migrate(second)]);
    expect(applied.flat()).toEqual([FIRST_MIGRATION]);
    expect(await first.query('SELECT name FROM migrations')).toEqual([{ name: FIRST_MIGRATION }]);
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
    const locks = await dataSource.query(
      "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    );
    expect(locks).toEqual([]);
  });
});
