import { Client, type QueryResultRow } from 'pg';
import { execCommand } from './exec-command';
import { sleep, waitFor } from './wait';

/** A Postgres URL with rights to create roles and databases: `DRILL_DATABASE_URL`, or the local server. */
export const adminUrl = process.env['DRILL_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The Debian cluster `pg_ctlcluster` controls for the Postgres restart: `DRILL_PG_CLUSTER`, or `15 main`. */
const cluster = (process.env['DRILL_PG_CLUSTER'] ?? '15 main').split(' ');

/** `adminUrl` pointed at another database. */
export function urlFor(database: string, user?: { name: string; password: string }): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  if (user) {
    url.username = user.name;
    url.password = user.password;
  }
  return url.toString();
}

/** Runs one statement on a connection of its own, as the admin; bounded in time. */
export async function adminQuery<T extends QueryResultRow = Record<string, unknown>>(
  sql: string,
  params: unknown[] = [],
  { database, timeoutMs = 15_000 }: { database?: string; timeoutMs?: number } = {},
): Promise<T[]> {
  const client = new Client({
    connectionString: database ? urlFor(database) : adminUrl,
    connectionTimeoutMillis: 5000,
    query_timeout: timeoutMs,
    application_name: 'sensors-fault-drill',
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A session of the consumer, as `pg_stat_activity` shows it. */
export interface Session {
  pid: number;
  state: string | null;
  query: string;
  wait_event_type: string | null;
}

/** Sessions with this `application_name` in one database (never anyone else's). */
export function sessionsOf(applicationName: string, database: string): Promise<Session[]> {
  return adminQuery<Session>(
    `SELECT pid, state, query, wait_event_type FROM pg_stat_activity
      WHERE application_name = $1 AND datname = $2 AND pid <> pg_backend_pid()`,
    [applicationName, database],
  );
}

/**
 * Terminates the given sessions, as a failover or an administrator would. The pids were
 * selected by a separate statement beforehand, so pg_terminate_backend can only ever see them.
 */
export async function terminateSessions(pids: readonly number[]): Promise<number> {
  if (pids.length === 0) return 0;
  const rows = await adminQuery<{ ok: boolean }>(
    'SELECT pg_terminate_backend(pid, 5000) AS ok FROM unnest($1::int[]) AS pid',
    [pids],
  );
  return rows.filter((row) => row.ok).length;
}

/**
 * Samples `count(*)` of one table every `intervalMs` on one connection (re-opened after an
 * outage, each query bounded by a 1 s statement timeout so a held lock cannot stall it).
 * Gives the time series from which the drill reads "catch-up" and its fault triggers.
 */
export class RowCountSampler {
  readonly samples: { at: number; count: number }[] = [];
  private client: Client | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly database: string,
    private readonly table: string,
    private readonly intervalMs = 200,
  ) {}

  /** The latest count seen (0 before the first sample). */
  get latest(): number {
    return this.samples.at(-1)?.count ?? 0;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.client?.end().catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const started = Date.now();
      try {
        this.client ??= await this.open();
        const { rows } = await this.client.query<{ count: string }>(
          `SELECT count(*) AS count FROM ${quoteIdentifier(this.table)}`,
        );
        this.samples.push({ at: Date.now(), count: Number(rows[0].count) });
      } catch {
        // The table may not exist yet, the server may be down, or the table locked: try again.
        const client = this.client;
        this.client = undefined;
        await client?.end().catch(() => undefined);
      }
      await sleep(Math.max(0, this.intervalMs - (Date.now() - started)));
    }
  }

  private async open(): Promise<Client> {
    const client = new Client({
      connectionString: urlFor(this.database),
      connectionTimeoutMillis: 2000,
      statement_timeout: 1000,
      query_timeout: 2000,
      application_name: 'sensors-fault-drill-sampler',
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    return client;
  }
}

function pgCtlCluster(action: string, timeoutMs: number): Promise<string> {
  return execCommand('pg_ctlcluster', ['--skip-systemctl-redirect', ...cluster, action], timeoutMs);
}

/** Whether the Postgres cluster is running (`pg_ctlcluster … status` exits 0). */
export async function postgresRunning(): Promise<boolean> {
  try {
    await execCommand('pg_ctlcluster', [...cluster, 'status'], 10_000);
    return true;
  } catch {
    return false;
  }
}

export async function stopPostgres(): Promise<void> {
  await pgCtlCluster('stop', 60_000);
}

/** Starts the cluster unless it runs, then waits until it answers queries. */
export async function ensurePostgresRunning(): Promise<void> {
  if (!(await postgresRunning())) await pgCtlCluster('start', 60_000);
  await waitFor(
    'Postgres to accept connections',
    async () => {
      try {
        await adminQuery('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
}
