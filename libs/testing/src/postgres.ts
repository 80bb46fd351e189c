import { Client } from 'pg';
import { testDatabaseAdminUrl } from './services';
import { uniqueName } from './unique-name';

/** A database of its own for one test file; `drop()` removes it, ending any session still in it. */
export interface TestDatabase {
  name: string;
  url: string;
  /** Runs one query in the test database and returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

async function withAdmin<T>(work: (client: Client) => Promise<T>, url = testDatabaseAdminUrl): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database with a unique name on the test server. */
export async function createTestDatabase(prefix = 'sensors_test'): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  await withAdmin((client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`));
  const url = new URL(testDatabaseAdminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    query: (sql, params) => withAdmin(async (client) => (await client.query(sql, params)).rows, url.toString()),
    drop: () => withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`)).then(() => undefined),
  };
}

/**
 * Terminates the sessions of `applicationName` in `database`, as an administrator or a
 * failover would; returns how many it ended.
 */
export async function terminateDatabaseSessions(database: string, applicationName: string): Promise<number> {
  return withAdmin(async (client) => {
    const { rows } = await client.query(
      'SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = $1 AND application_name = $2',
      [database, applicationName],
    );
    return rows.filter((r) => r.ended).length;
  });
}
