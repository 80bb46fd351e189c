import type { DataSource } from 'typeorm';

/** 'sensor' in ASCII: a fixed key, the same in every process that migrates this database. */
const MIGRATION_LOCK_KEY = 0x73656e736f72;

/**
 * Applies the pending migrations in one transaction and returns their names (empty when the
 * schema is current). The data source must be initialized.
 *
 * Safe when several processes start together: they take turns under a Postgres advisory lock,
 * and whoever comes second finds nothing left to do. Waiting for the lock and each migration
 * statement are bounded by the data source's `statementTimeoutMs`.
 *
 * @example
 * const applied = await migrate(dataSource); // ['CreateSensorReadings1732838400000'] the first time
 */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  // A session lock belongs to one connection, so the lock lives on its own runner while
  // TypeORM runs the migrations on another.
  const lock = dataSource.createQueryRunner();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'all' });
      return applied.map((migration) => migration.name);
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await lock.release();
  }
}
