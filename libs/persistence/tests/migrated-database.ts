import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@sensors/testing';
import { createDataSource, migrate } from '../src';

/** A test database of its own with the migrations applied, and a data source on it. */
export interface MigratedDatabase {
  readonly database: TestDatabase;
  readonly dataSource: DataSource;
}

/**
 * Creates a migrated test database before the tests of the enclosing `describe` and drops it
 * after them; the fields are set once `beforeAll` has run.
 */
export function useMigratedDatabase(): MigratedDatabase {
  const migrated = {} as { database: TestDatabase; dataSource: DataSource };
  beforeAll(async () => {
    migrated.database = await createTestDatabase();
    migrated.dataSource = await createDataSource({ url: migrated.database.url }).initialize();
    await migrate(migrated.dataSource);
  });
  afterAll(async () => {
    await migrated.dataSource?.destroy();
    await migrated.database?.drop();
  });
  return migrated;
}
