import type { DataSource } from 'typeorm';

/** 'sensor' in ASCII: a fixed key, the same in every process that migrates this database. */
const MIGRATION_LOCK_KEY = 0x73656e736f72;

export interface MigrateOptions {
  /**
   * The role the apps connect with. It is granted what they need on `sensor_readings`, INSERT
   * and SELECT, and nothing else: no DDL, no other table. Leave it out when the apps connect as
   * the owner.
   */
  grantTo?: string;
}

/**
 * Applies the pending migrations in one transaction and returns their names (empty when the
 * schema is current). The data source must be initialized, as the role that owns the schema.
 *
 * Safe when several processes start together: they take turns under a Postgres advisory lock,
 * and whoever comes second finds nothing left to do. Waiting for the lock and each migration
 * statement are bounded by the data source's `statementTimeoutMs`.
 *
 * @example
 * const applied = await migrate(ownerDataSource, { grantTo: 'sensors_app' }); // ['CreateSensorReadings1732838400000'] the first time
 */
export async function migrate(dataSource: DataSource, options: MigrateOptions = {}): Promise<string[]> {
  // A session lock belongs to one connection, so the lock lives on its own runner while
  // TypeORM runs the migrations on another.
  const lock = dataSource.createQueryRunner();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'all' });
      if (options.grantTo) {
        const role = dataSource.driver.escape(options.grantTo);
        await lock.query(`GRANT SELECT, INSERT ON sensor_readings TO ${role}`);
      }
      return applied.map((migration) => migration.name);
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await lock.release();
  }
}
