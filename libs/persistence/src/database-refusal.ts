/** Why Postgres refused a connection or a start-up statement, and what to change; see {@link databaseRefusal}. */
export interface DatabaseRefusal {
  /** The SQLSTATE, e.g. `3D000`. */
  code: string;
  reason: string;
  /** What to change; it calls the connection string "the URL", for the app to name its setting. */
  fix: string;
}

const REFUSALS: Record<string, Omit<DatabaseRefusal, 'code'>> = {
  '3D000': {
    reason: 'the database does not exist',
    fix: 'create it (CREATE DATABASE … OWNER …; `npm start` runs tools/scripts/setup-database.mjs), or correct its name (the path of the URL)',
  },
  '28P01': {
    reason: 'Postgres refused the password',
    fix: 'correct the user and password in the URL (postgres://user:password@host:5432/database)',
  },
  '28000': {
    reason:
      'Postgres refused this user: the role does not exist, or pg_hba.conf has no entry for this host, user and database',
    fix: 'correct the user in the URL, create the role (CREATE ROLE … LOGIN PASSWORD …), or allow it in pg_hba.conf',
  },
  '42501': {
    reason: 'the role lacks a privilege it needs',
    fix: 'grant it as the owner (e.g. GRANT CONNECT ON DATABASE …, GRANT USAGE, CREATE ON SCHEMA …), or put a role that has it in the URL',
  },
};

/**
 * Recognises what Postgres refuses for good, which retrying cannot fix: a missing database
 * (`3D000`), a refused password or user (`28P01`, `28000`) and a missing privilege (`42501`).
 * Anything else (refused or reset connections, timeouts, a server starting or shutting down,
 * too many connections) is transient: undefined. Reads the SQLSTATE from `err.code`, or from
 * `err.driverError.code` as TypeORM's `QueryFailedError` carries it.
 *
 * @example
 * const dataSource = await retry(() => createDataSource(options).initialize(), {
 *   retryIf: (err) => databaseRefusal(err) === undefined,
 * });
 */
export function databaseRefusal(err: unknown): DatabaseRefusal | undefined {
  for (const candidate of [err, (err as { driverError?: unknown } | undefined)?.driverError]) {
    const code = (candidate as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string' && Object.hasOwn(REFUSALS, code)) return { code, ...REFUSALS[code] };
  }
  return undefined;
}
