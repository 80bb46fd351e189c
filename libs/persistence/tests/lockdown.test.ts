import { type DataSource } from 'typeorm';
import { Client } from 'pg';
import { createTestDatabase, uniqueName, type TestDatabase } from '@sensors/testing';
import { createDataSource, migrate, saveReadings } from '../src';
import { enrichedReading } from './readings';

// Two roles as in production: the owner runs migrations, the apps' role may only insert and read.
const owner = uniqueName('owner');
const app = uniqueName('app');
let database: TestDatabase;
let ownerSource: DataSource;
let appSource: DataSource;

function urlFor(role: string): string {
  const url = new URL(database.url);
  url.username = role;
  url.password = `${role}-pw`;
  return url.toString();
}

async function asApp(sql: string): Promise<unknown> {
  const client = new Client({ connectionString: urlFor(app) });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  await database.query(`CREATE ROLE ${owner} LOGIN PASSWORD '${owner}-pw'`);
  await database.query(`CREATE ROLE ${app} LOGIN PASSWORD '${app}-pw'`);
  await database.query(`ALTER DATABASE ${database.name} OWNER TO ${owner}`);
  await database.query(`ALTER SCHEMA public OWNER TO ${owner}`);
  ownerSource = await createDataSource({ url: urlFor(owner) }).initialize();
  await migrate(ownerSource, { grantTo: app });
  appSource = await createDataSource({ url: urlFor(app) }).initialize();
});

afterAll(async () => {
  await appSource?.destroy();
  await ownerSource?.destroy();
  await database.drop();
  await database.query(`DROP ROLE IF EXISTS ${app}`).catch(() => undefined);
  await database.query(`DROP ROLE IF EXISTS ${owner}`).catch(() => undefined);
});

describe('migrate with grantTo', () => {
  it('lets the app role insert and read sensor_readings', async () => {
    expect(await saveReadings(appSource, [enrichedReading('locked-1')])).toMatchObject({ stored: 1 });
    expect(await appSource.query('SELECT id FROM sensor_readings')).toEqual([{ id: 'locked-1' }]);
  });

  it.each([
    ['drop the table', 'DROP TABLE sensor_readings', /must be owner/],
    ['alter the table', 'ALTER TABLE sensor_readings ADD COLUMN x int', /must be owner/],
    ['delete readings', 'DELETE FROM sensor_readings', /permission denied/],
    ['update readings', 'UPDATE sensor_readings SET temperature_f = 0', /permission denied/],
    ['truncate the table', 'TRUNCATE sensor_readings', /permission denied/],
    ['create a table', 'CREATE TABLE elsewhere (x int)', /permission denied for schema public/],
    ['read the migrations table', 'SELECT * FROM migrations', /permission denied/],
  ])('does not let the app role %s', async (_, sql, error) => {
    await expect(asApp(sql)).rejects.toThrow(error);
  });
});
