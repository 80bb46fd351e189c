import { Client, type QueryResultRow } from 'pg';
import { testDatabaseAdminUrl } from './services';
import { uniqueName } from './unique-name';

/** A database of its own for one test file; `drop()` removes it, ending any session still in it. */
export interface TestDatabase {
  name: string;
  url: string;
  /** Runs one query in the test database and returns its rows. */
  query<T extends QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** Options of {@link adminQuery}. */
export interface AdminQueryOptions {
  /** A superuser's URL (default: TEST_DATABASE_URL, or the machine's Postgres). */
  url?: string;
  /** Bounds the statement (default 15 s). */
  timeoutMs?: number;
}

/** Runs one statement on a connection of its own, bounded in time, and returns its rows. */
export async function adminQuery<T extends QueryResultRow = Record<string, unknown>>(
  sql: string,
  params: unknown[] = [],
  { url = testDatabaseAdminUrl, timeoutMs = 15_000 }: AdminQueryOptions = {},
): Promise<T[]> {
  const client = new Client({
    connectionString: url,
    connectionTimeoutMillis: 5000,
    query_timeout: timeoutMs,
    application_name: 'sensors-test-admin',
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Creates an empty database with a unique name (owned by `owner`, if given) on the server of
 * `adminUrl` (default: the machine's test server).
 */
export async function createTestDatabase(
  prefix = 'sensors_test',
  { adminUrl = testDatabaseAdminUrl, owner }: { adminUrl?: string; owner?: string } = {},
): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  await adminQuery(`CREATE DATABASE ${quoteIdentifier(name)}${owner ? ` OWNER ${quoteIdentifier(owner)}` : ''}`, [], {
    url: adminUrl,
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    query: (sql, params) => adminQuery(sql, params, { url: url.toString(), timeoutMs: 120_000 }),
    drop: async () => {
      await adminQuery(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`, [], { url: adminUrl });
    },
  };
}

/** `name` quoted as an SQL identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Terminates every session with this `application_name` (in `database`, if given), as a
 * failover or an administrator would, and waits until each is gone; returns how many it ended.
 */
export async function terminateDatabaseSessions(
  applicationName: string,
  database?: string,
  adminUrl = testDatabaseAdminUrl,
): Promise<number> {
  // Two statements, because Postgres may evaluate a WHERE clause's conditions in any order,
  // and pg_terminate_backend must never see a session outside the filter.
  const rows = await adminQuery<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
      WHERE application_name = $1 AND ($2::text IS NULL OR datname = $2) AND pid <> pg_backend_pid()`,
    [applicationName, database ?? null],
    { url: adminUrl },
  );
  const pids = rows.map((row) => row.pid);
  await adminQuery('SELECT pg_terminate_backend(pid, 10000) FROM unnest($1::int[]) AS pid', [pids], { url: adminUrl });
  return pids.length;
}

/** Whether a session with this `application_name` is running a statement right now. */
export async function isRunningStatement(applicationName: string, adminUrl = testDatabaseAdminUrl): Promise<boolean> {
  const rows = await adminQuery(
    "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'",
    [applicationName],
    { url: adminUrl },
  );
  return rows.length > 0;
}
