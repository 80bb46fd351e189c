import type { DataSource, QueryRunner } from 'typeorm';

/** 'sensorpt' in ASCII: held while partitions are maintained, the same key in every process. */
const PARTITION_LOCK_KEY = 0x73656e736f727074n;

const DAY_MS = 86_400_000;

/** How long each partition spans; periods start at 00:00 UTC (weeks on Monday). */
export type PartitionPeriod = 'day' | 'week' | 'month';

/** What `maintainPartitions` keeps: the period of a partition, how far ahead, how long back. */
export interface MaintainPartitionsOptions {
  /** Default `day`. Changing it later is fine: new partitions start where the old ones end. */
  period?: PartitionPeriod;
  /** Periods to create after the current one. Default 2. */
  ahead?: number;
  /** Readings older than this are dropped (whole partitions, and rows of the DEFAULT partition). Default: keep all. */
  retentionMs?: number;
  /** The current time. Default: the clock. */
  now?: Date;
  /** Longest wait for the lock or for a table lock; then this run fails, to be tried again later. Default 5 000 ms. */
  lockTimeoutMs?: number;
}

/** What a run did. */
export interface PartitionMaintenance {
  /** Partitions created, by name. */
  created: string[];
  /** Partitions dropped past the retention, by name. */
  dropped: string[];
  /** Rows deleted from the DEFAULT partition past the retention. */
  expiredRowsDeleted: number;
  /** Partitions analyzed (the new ones, and DEFAULT after rows left it). */
  analyzed: string[];
}

interface Partition {
  name: string;
  from: number;
  to: number;
}

/**
 * Creates the partitions of `sensor_readings` for the current period and `ahead` more, moving
 * into each new partition the rows of its range that waited in the DEFAULT partition, and with
 * `retentionMs` drops the partitions wholly past the retention and deletes the DEFAULT
 * partition's rows past it. Idempotent; run it after `migrate` and then regularly (hourly).
 *
 * Run it as the schema owner. Several processes may run it together: they take turns under a
 * Postgres advisory lock, and whoever comes second finds nothing left to do. Locks on the table
 * are held briefly; waiting for one is bounded by `lockTimeoutMs`, and a failure is transient.
 *
 * @example
 * const done = await maintainPartitions(ownerDataSource, { period: 'day', retentionMs: 90 * 86_400_000 });
 * log.info({ created: done.created, dropped: done.dropped }, 'partitions maintained');
 */
export async function maintainPartitions(
  dataSource: DataSource,
  options: MaintainPartitionsOptions = {},
): Promise<PartitionMaintenance> {
  const { period = 'day', ahead = 2, retentionMs, now = new Date(), lockTimeoutMs = 5_000 } = options;
  if (!Number.isInteger(ahead) || ahead < 0)
    throw new RangeError(`ahead must be a whole number of periods (got ${ahead})`);
  if (retentionMs !== undefined && !(retentionMs > 0)) {
    throw new RangeError(`retentionMs must be positive, or left out to keep everything (got ${retentionMs})`);
  }
  const done: PartitionMaintenance = { created: [], dropped: [], expiredRowsDeleted: 0, analyzed: [] };
  const runner = dataSource.createQueryRunner();
  try {
    await runner.startTransaction();
    try {
      await runner.query(`SET LOCAL lock_timeout = ${Math.round(lockTimeoutMs)}`);
      await runner.query("SET LOCAL TimeZone = 'UTC'");
      await runner.query('SELECT pg_advisory_xact_lock($1::bigint)', [PARTITION_LOCK_KEY.toString()]);
      let partitions = await listPartitions(runner);
      if (retentionMs !== undefined) {
        const horizon = now.getTime() - retentionMs;
        for (const partition of partitions.filter((p) => p.to <= horizon)) {
          await runner.query(`DROP TABLE ${partition.name}`);
          done.dropped.push(partition.name);
        }
        partitions = partitions.filter((p) => p.to > horizon);
        const deleted = (await runner.query(
          'DELETE FROM sensor_readings_default WHERE measured_at < $1',
          [new Date(horizon).toISOString()],
          true,
        )) as { affected?: number };
        done.expiredRowsDeleted = deleted.affected ?? 0;
      }
      let start = periodStart(now.getTime(), period);
      for (let i = 0; i <= ahead; i++) {
        const end = nextPeriod(start, period);
        const range = freeRange(start, end, partitions);
        if (range) {
          const created = await createPartition(runner, range, period);
          partitions.push(created);
          done.created.push(created.name);
        }
        start = end;
      }
      await runner.commitTransaction();
    } catch (err) {
      await runner.rollbackTransaction();
      throw err;
    }
    const toAnalyze = [
      ...done.created,
      ...(done.created.length > 0 || done.expiredRowsDeleted > 0 ? ['sensor_readings_default'] : []),
    ];
    for (const name of toAnalyze) {
      await runner.query(`ANALYZE ${name}`);
      done.analyzed.push(name);
    }
    return done;
  } finally {
    await runner.release();
  }
}

async function listPartitions(runner: QueryRunner): Promise<Partition[]> {
  const rows = (await runner.query(`
    SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
      FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'sensor_readings'::regclass
  `)) as { name: string; bound: string }[];
  const partitions: Partition[] = [];
  for (const { name, bound } of rows) {
    const match = /FROM \('([^']+)'\) TO \('([^']+)'\)/.exec(bound);
    if (match) partitions.push({ name, from: Date.parse(toIso(match[1])), to: Date.parse(toIso(match[2])) });
  }
  return partitions;
}

/** Postgres's `2026-12-01 00:00:00+00` as ISO 8601. */
function toIso(timestamp: string): string {
  return timestamp.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00');
}

/** The part of [from, to) that no partition covers, when that is one range ending at `to`. */
function freeRange(
  from: number,
  to: number,
  partitions: readonly Partition[],
): { from: number; to: number } | undefined {
  let start = from;
  for (const partition of partitions) {
    if (partition.from < to && partition.to > start) {
      if (partition.from > start) return undefined;
      start = partition.to;
    }
  }
  return start < to ? { from: start, to } : undefined;
}

async function createPartition(
  runner: QueryRunner,
  range: { from: number; to: number },
  period: PartitionPeriod,
): Promise<Partition> {
  const from = new Date(range.from).toISOString();
  const to = new Date(range.to).toISOString();
  // Named after where the range starts: a whole month by its month, anything else by its day.
  const wholeMonth = period === 'month' && range.from === periodStart(range.from, period);
  const table = `sensor_readings_${(wholeMonth ? from.slice(0, 7) : from.slice(0, 10)).replace(/-/g, '')}`;
  // Readings of this range that came before it had a partition wait in DEFAULT; attaching the
  // new partition checks that none remain there, so they move in the same transaction.
  await runner.query('LOCK TABLE sensor_readings_default IN ACCESS EXCLUSIVE MODE');
  // LIKE copies no tablespace: a new partition goes where the table says (ALTER TABLE … SET TABLESPACE).
  const [{ tablespace }] = (await runner.query(
    `SELECT quote_ident(t.spcname) AS tablespace FROM pg_class c LEFT JOIN pg_tablespace t ON t.oid = c.reltablespace
      WHERE c.oid = 'sensor_readings'::regclass`,
  )) as { tablespace: string | null }[];
  await runner.query(
    `CREATE TABLE ${table} (LIKE sensor_readings INCLUDING DEFAULTS INCLUDING CONSTRAINTS)${tablespace ? ` TABLESPACE ${tablespace}` : ''}`,
  );
  await runner.query(
    `WITH moved AS (
       DELETE FROM sensor_readings_default WHERE measured_at >= $1 AND measured_at < $2
       RETURNING id, sensor_type, temperature_f, temperature_c, measured_at, ingested_at, extra
     )
     INSERT INTO ${table} (id, sensor_type, temperature_f, temperature_c, measured_at, ingested_at, extra)
     SELECT * FROM moved`,
    [from, to],
  );
  await runner.query(`ALTER TABLE sensor_readings ATTACH PARTITION ${table} FOR VALUES FROM ('${from}') TO ('${to}')`);
  return { name: table, from: range.from, to: range.to };
}

function periodStart(time: number, period: PartitionPeriod): number {
  const day = Math.floor(time / DAY_MS) * DAY_MS;
  if (period === 'day') return day;
  if (period === 'week') return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS;
  const date = new Date(time);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

function nextPeriod(start: number, period: PartitionPeriod): number {
  if (period === 'day') return start + DAY_MS;
  if (period === 'week') return start + 7 * DAY_MS;
  const date = new Date(start);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}
