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

/** A fresh, empty test database for each test of the enclosing `describe`. */
export interface EmptyDatabase {
  readonly database: TestDatabase;
  /** Opens a data source on it (pool of 2), destroyed after the test. */
  connect(): Promise<DataSource>;
  /** Destroys a data source made otherwise after the test too. */
  adopt(dataSource: DataSource): void;
}

/** Creates an empty test database before each test of the enclosing `describe` and drops it after. */
export function useEmptyDatabasePerTest(): EmptyDatabase {
  const opened: DataSource[] = [];
  const fresh = {
    database: undefined as unknown as TestDatabase,
    async connect(): Promise<DataSource> {
      const dataSource = createDataSource({ url: fresh.database.url, poolSize: 2 });
      opened.push(dataSource);
      return dataSource.initialize();
    },
    adopt(dataSource: DataSource): void {
      opened.push(dataSource);
    },
  };
  beforeEach(async () => {
    fresh.database = await createTestDatabase();
  });
  afterEach(async () => {
    for (const dataSource of opened.splice(0)) {
      if (dataSource.isInitialized) await dataSource.destroy();
    }
    await fresh.database.drop();
  });
  return fresh;
}
