import pg from 'pg';
import { DataSource } from 'typeorm';
import { migrations } from './migrations';
import { SensorReadingEntity } from './sensor-reading.entity';

/** Where the database is and how to talk to it; everything but `url` has a default. */
export interface PersistenceOptions {
  /** Connection string, e.g. `postgres://sensors:secret@db:5432/sensors`. */
  url: string;
  /** Most connections the pool opens; at least 2, since `migrate` holds one for its lock. Default 10. */
  poolSize?: number;
  /** How long to wait for a connection, new or from a busy pool, before failing. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Postgres cancels any statement that runs longer (`statement_timeout`); 0 means never. Default 30 000 ms. */
  statementTimeoutMs?: number;
  /** Shown in `pg_stat_activity`, to tell the apps' connections apart. Default `sensors`. */
  applicationName?: string;
}

/**
 * Returns a data source for `sensor_readings`, not yet connected: call `initialize()`, then
 * `migrate`, and `destroy()` on shutdown. It never synchronizes the schema and never runs
 * migrations by itself.
 *
 * A connection that the server terminates (restart, failover, `pg_terminate_backend`) is
 * dropped from the pool rather than reused, so the next call opens a fresh one.
 *
 * @example
 * const dataSource = createDataSource({ url: config.databaseUrl, applicationName: 'consumer' });
 * await dataSource.initialize();
 * await migrate(dataSource);
 * // …
 * await dataSource.destroy();
 */
export function createDataSource(options: PersistenceOptions): DataSource {
  const {
    url,
    poolSize = 10,
    connectTimeoutMs = 10_000,
    statementTimeoutMs = 30_000,
    applicationName = 'sensors',
  } = options;
  if (!Number.isInteger(poolSize) || poolSize < 2) {
    throw new RangeError(
      `poolSize must be an integer of at least 2, because migrate holds one connection for its lock while the migrations run on another (got ${poolSize})`,
    );
  }
  return new DataSource({
    type: 'postgres',
    url,
    // Handing TypeORM the driver, instead of letting it require('pg') at run time, makes the
    // dependency visible to bundlers and to the dependency checks.
    driver: pg,
    entities: [SensorReadingEntity],
    migrations,
    migrationsRun: false,
    synchronize: false,
    // TypeORM would print migration messages to stdout, in the middle of the apps' NDJSON; what
    // the caller needs comes back as return values and errors. DEBUG=typeorm:* still shows it.
    logger: 'debug',
    logging: false,
    poolSize,
    extra: {
      connectionTimeoutMillis: connectTimeoutMs,
      statement_timeout: statementTimeoutMs,
      application_name: applicationName,
      // Detects a server that vanished without closing the socket (host down, network cut),
      // which would otherwise leave a dead connection in the pool.
      keepAlive: true,
    },
  });
}
