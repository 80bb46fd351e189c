import { createServer } from 'node:net';
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
    drop: () =>
      withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}

/**
 * Terminates every session with this `application_name` (in `database`, if given), as a
 * failover or an administrator would, and waits until each is gone; returns how many it ended.
 */
export async function terminateDatabaseSessions(applicationName: string, database?: string): Promise<number> {
  return withAdmin(async (client) => {
    // Two statements, because Postgres may evaluate a WHERE clause's conditions in any order,
    // and pg_terminate_backend must never see a session outside the filter.
    const { rows } = await client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE application_name = $1 AND ($2::text IS NULL OR datname = $2) AND pid <> pg_backend_pid()`,
      [applicationName, database ?? null],
    );
    const pids = rows.map((row) => row.pid);
    await client.query('SELECT pg_terminate_backend(pid, 10000) FROM unnest($1::int[]) AS pid', [pids]);
    return pids.length;
  });
}

/** Whether a session with this `application_name` is running a statement right now. */
export async function isRunningStatement(applicationName: string): Promise<boolean> {
  return withAdmin(async (client) => {
    const { rows } = await client.query(
      "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'",
      [applicationName],
    );
    return rows.length > 0;
  });
}

/** A local port where nothing listens, to stand for a server that is down. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  return address.port;
}
