import { adminQuery } from '@sensors/testing';

/** A session of the consumer, as `pg_stat_activity` shows it. */
export interface Session {
  pid: number;
  state: string | null;
  query: string;
  wait_event_type: string | null;
}

/** Sessions with this `application_name` in one database (never anyone else's). */
export function sessionsOf(adminUrl: string, applicationName: string, database: string): Promise<Session[]> {
  return adminQuery<Session>(
    `SELECT pid, state, query, wait_event_type FROM pg_stat_activity
      WHERE application_name = $1 AND datname = $2 AND pid <> pg_backend_pid()`,
    [applicationName, database],
    { url: adminUrl },
  );
}

/**
 * Terminates the given sessions, as a failover or an administrator would. The pids were
 * selected by a separate statement beforehand, so pg_terminate_backend can only ever see them.
 */
export async function terminateSessions(adminUrl: string, pids: readonly number[]): Promise<number> {
  if (pids.length === 0) return 0;
  const rows = await adminQuery<{ ok: boolean }>(
    'SELECT pg_terminate_backend(pid, 5000) AS ok FROM unnest($1::int[]) AS pid',
    [pids],
    { url: adminUrl },
  );
  return rows.filter((row) => row.ok).length;
}
