import {
  waitFor,
  createTestDatabase,
  isRunningStatement,
  terminateDatabaseSessions,
  type TestDatabase,
} from '@sensors/testing';
import type { DataSource } from 'typeorm';
import { SensorReadingEntity, createDataSource, migrate, saveReadings, type PersistenceOptions } from '../src';
import { enrichedReading } from './readings';

describe('createDataSource', () => {
  let database: TestDatabase;
  const opened: DataSource[] = [];

  async function connect(options: Omit<PersistenceOptions, 'url'> = {}): Promise<DataSource> {
    const dataSource = createDataSource({ url: database.url, ...options });
    opened.push(dataSource);
    return dataSource.initialize();
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    await migrate(await connect());
  });

  afterAll(async () => {
    for (const dataSource of opened) {
      if (dataSource.isInitialized) await dataSource.destroy();
    }
    await database?.drop();
  });

  it('returns an unconnected data source that neither synchronizes nor migrates on its own', () => {
    const dataSource = createDataSource({ url: database.url });
    expect(dataSource.isInitialized).toBe(false);
    expect(dataSource.options).toMatchObject({ type: 'postgres', synchronize: false, migrationsRun: false });
  });

  it('registers the entity and the migrations', async () => {
    const dataSource = await connect();
    expect(dataSource.getMetadata(SensorReadingEntity).tableName).toBe('sensor_readings');
    expect(dataSource.migrations.map((migration) => migration.name)).toEqual([
      'CreateSensorReadings1732838400000',
      'PartitionSensorReadings1796083200000',
      'CreateSensorReadingBuckets1796083200001',
      'KeySensorReadingsByTime1796083200002',
    ]);
  });

  it('sets the statement timeout and application name of every session', async () => {
    const dataSource = await connect({ applicationName: 'sensors-test-settings', statementTimeoutMs: 1500 });
    const [settings] = await dataSource.query(
      "SELECT current_setting('statement_timeout') AS statement_timeout, current_setting('application_name') AS application_name",
    );
    expect(settings).toEqual({ statement_timeout: '1500ms', application_name: 'sensors-test-settings' });
  });

  it('defaults to a 30 s statement timeout and the application name sensors', async () => {
    const dataSource = await connect();
    const [settings] = await dataSource.query(
      "SELECT current_setting('statement_timeout') AS statement_timeout, current_setting('application_name') AS application_name",
    );
    expect(settings).toEqual({ statement_timeout: '30s', application_name: 'sensors' });
  });

  it('fails to get a connection from an exhausted pool after connectTimeoutMs instead of waiting forever', async () => {
    const dataSource = await connect({ poolSize: 2, connectTimeoutMs: 200 });
    const held = [dataSource.createQueryRunner(), dataSource.createQueryRunner()];
    try {
      await Promise.all(held.map((runner) => runner.connect()));
      await expect(dataSource.query('SELECT 1')).rejects.toThrow(/timeout/i);
    } finally {
      await Promise.all(held.map((runner) => runner.release()));
    }
  });

  it('replaces connections the server terminated, busy or idle', async () => {
    const applicationName = `terminated_${database.name}`;
    const dataSource = await connect({ applicationName, poolSize: 4 });
    await Promise.all([1, 2, 3].map(() => dataSource.query('SELECT pg_sleep(0.05)')));
    const busy = dataSource.query('SELECT pg_sleep(30)').catch(() => 'terminated');
    await waitFor('the statement to start', () => isRunningStatement(applicationName));

    expect(await terminateDatabaseSessions(applicationName)).toBe(3);
    expect(await busy).toBe('terminated');
    expect(await saveReadings(dataSource, [enrichedReading('after-termination')])).toMatchObject({ stored: 1 });
  });

  it('rejects a pool too small for migrate', () => {
    expect(() => createDataSource({ url: database.url, poolSize: 1 })).toThrow(
      /poolSize must be an integer of at least 2/,
    );
  });
});
