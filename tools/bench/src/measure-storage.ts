// What the storage layout costs and buys, on databases of its own (dropped afterwards):
// 1. the Postgres backend's CPU per row of the consumer's insert (unnest batches in time order,
//    ON CONFLICT DO NOTHING) for the plain table as it was (key id), the product (daily
//    partitions, key (measured_at, id), extra jsonb) and one variant per factor between them:
//    partition routing, BRIN on measured_at, the key (id, measured_at), the extra column;
// 2. at `bigRows` readings over 10 days: "the readings of the last hour" through the key's
//    btree, and through BRIN with its ranges summarized and not yet, with the plan;
// 3. the upgrade migration on a plain table of `upgradeRows`, run by the consumer's own
//    `migrate` command: seconds per million rows.
// CPU is the backend's time on a core from /proc/<pid>/schedstat (Postgres on this machine, run
// as root or its user): waiting for a core is not counted, so a shared, busy machine disturbs
// it far less than the wall clock.
import { createTestDatabase, execCommand } from '@sensors/testing';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Client } from 'pg';

/** Options of {@link measureStorage}; a size of 0 skips its part. */
export interface StorageOptions {
  adminUrl: string;
  /** Rows per layout and round of the insert measurement. */
  rows: number;
  /** Rounds of the insert measurement. */
  reps: number;
  bigRows: number;
  upgradeRows: number;
  /** The built consumer (`dist/apps/consumer/main.js`), for the upgrade. */
  consumerMain: string;
  log: (line: string) => void;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const BATCH_SIZES = [1000, 5000];

const COLUMNS = `id varchar(128) NOT NULL, sensor_type text NOT NULL, temperature_f double precision NOT NULL,
  temperature_c double precision NOT NULL, measured_at timestamptz NOT NULL, ingested_at timestamptz NOT NULL DEFAULT now()`;
const PLAIN = `CREATE TABLE sensor_readings (${COLUMNS}, CONSTRAINT sensor_readings_pkey PRIMARY KEY (id))`;

/** One table layout of the insert measurement: each variant changes one factor. */
interface Layout {
  name: string;
  partitioned: boolean;
  key: 'id' | 'id, measured_at' | 'measured_at, id';
  brin: boolean;
  /** The `extra jsonb` column, sent by the statement as a sixth array (of NULLs here). */
  extra: boolean;
}

const LAYOUTS: readonly Layout[] = [
  { name: 'plain: the table as it was, key id', partitioned: false, key: 'id', brin: false, extra: false },
  { name: '(d) plain + extra jsonb', partitioned: false, key: 'id', brin: false, extra: true },
  { name: '(c) plain, key (id, measured_at)', partitioned: false, key: 'id, measured_at', brin: false, extra: false },
  { name: '(b) plain + BRIN', partitioned: false, key: 'id', brin: true, extra: false },
  {
    name: '(b+c+d) plain, key (id, measured_at), BRIN, extra',
    partitioned: false,
    key: 'id, measured_at',
    brin: true,
    extra: true,
  },
  {
    name: '(a) partitioned, key (id, measured_at), BRIN, extra: until 2026-12-01',
    partitioned: true,
    key: 'id, measured_at',
    brin: true,
    extra: true,
  },
  {
    name: 'partitioned, key (measured_at, id), extra: the product',
    partitioned: true,
    key: 'measured_at, id',
    brin: false,
    extra: true,
  },
];

/** A layout's DDL, its table named `table`, with daily partitions over [from, to) as `maintainPartitions` makes them. */
function layoutDdl(table: string, layout: Layout, from: number, to: number): string[] {
  const columns = `${COLUMNS}${layout.extra ? ', extra jsonb' : ''}, CONSTRAINT ${table}_pkey PRIMARY KEY (${layout.key})`;
  const ddl = [`DROP TABLE IF EXISTS ${table} CASCADE`];
  if (!layout.partitioned) ddl.push(`CREATE TABLE ${table} (${columns})`);
  else {
    ddl.push(`CREATE TABLE ${table} (${columns}) PARTITION BY RANGE (measured_at)`);
    ddl.push(`CREATE TABLE ${table}_default PARTITION OF ${table} DEFAULT`);
    for (let day = Math.floor(from / DAY_MS) * DAY_MS; day < to; day += DAY_MS) {
      const partition = `${table}_${new Date(day).toISOString().slice(0, 10).replace(/-/g, '')}`;
      ddl.push(
        `CREATE TABLE ${partition} (LIKE ${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`,
        `ALTER TABLE ${table} ATTACH PARTITION ${partition} FOR VALUES FROM ('${new Date(day).toISOString()}') TO ('${new Date(day + DAY_MS).toISOString()}')`,
      );
    }
  }
  if (layout.brin) ddl.push(`CREATE INDEX ON ${table} USING brin (measured_at) WITH (autosummarize = on)`);
  return ddl;
}

// The consumer's statement (libs/persistence/src/save-readings.ts), without `extra` where the layout has none.
function insertInto(table: string, layout: Layout): string {
  const conflict = layout.key === 'id' ? 'id' : 'id, measured_at';
  return `INSERT INTO ${table} (id, sensor_type, temperature_f, temperature_c, measured_at${layout.extra ? ', extra' : ''})
  SELECT * FROM unnest($1::varchar[], $2::text[], $3::float8[], $4::float8[], $5::timestamptz[]${layout.extra ? ', $6::jsonb[]' : ''})
  ON CONFLICT (${conflict}) DO NOTHING`;
}

// Array literals as saveReadings builds them, every text quoted.
const textArray = (values: readonly (string | null)[]) =>
  `{${values.map((value) => (value === null ? 'NULL' : `"${value}"`)).join(',')}}`;
const numberArray = (values: readonly number[]) => `{${values.join(',')}}`;

/** One batch's parameters: id, type, °F, °C, time, extra. */
type Batch = [string, string, string, string, string, string];

function batchesOf(size: number, count: number, start: number): Batch[] {
  const step = (2 * DAY_MS) / count;
  const batches: Batch[] = [];
  for (let b = 0; b * size < count; b++) {
    const ids: string[] = [];
    const f: number[] = [];
    const c: number[] = [];
    const at: string[] = [];
    for (let i = 0; i < size && b * size + i < count; i++) {
      ids.push(randomUUID());
      const t = Math.round((40 + Math.random() * 60) * 100) / 100;
      f.push(t);
      c.push(((t - 32) * 5) / 9);
      at.push(new Date(start + Math.floor((b * size + i) * step)).toISOString());
    }
    const nulls = textArray(ids.map(() => null));
    batches.push([
      textArray(ids),
      textArray(ids.map(() => 'Sensor')),
      numberArray(f),
      numberArray(c),
      textArray(at),
      nulls,
    ]);
  }
  return batches;
}

async function withDatabase(adminUrl: string, work: (client: Client, url: string) => Promise<void>): Promise<void> {
  const database = await createTestDatabase('bench_storage', { adminUrl });
  try {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      await work(client, database.url);
    } finally {
      await client.end();
    }
  } finally {
    await database.drop();
  }
}

const seconds = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;
const median = (list: readonly number[]) => {
  const sorted = [...list].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const thousands = (n: number) => n.toLocaleString('en');
const percent = (ratio: number) => `${ratio >= 1 ? '+' : '−'}${(Math.abs(ratio - 1) * 100).toFixed(1)} %`;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

/** Nanoseconds a process has spent on a core, or undefined where /proc does not show it. */
function cpuNs(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}

/** Backend CPU per row of one layout at one batch size, per round. */
interface InsertCost {
  layout: string;
  batchSize: number;
  /** µs of backend CPU per row, one per round. */
  usPerRow: number[];
  /** Each round's figure over the plain table's in the same round. */
  ratios: number[];
}

/**
 * Every batch goes into every layout's table in turn, the order rotated from batch to batch, so
 * that a swing of the machine's load falls on all layouts alike; each layout's CPU is summed
 * over its statements. Compare a layout with `plain` by the ratio of the same round.
 */
async function insertCosts(client: Client, { rows, reps, log }: StorageOptions): Promise<InsertCost[] | undefined> {
  const start = Date.parse('2026-12-01T00:00:00Z');
  const [{ pid }] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
  if (cpuNs(pid) === undefined) {
    log("\n(the Postgres backend's CPU time is not readable here: run on Postgres's machine, as root or its user)");
    return undefined;
  }
  const tables = LAYOUTS.map((_, i) => `layout_${i}`);
  const results: InsertCost[] = [];
  for (const batchSize of BATCH_SIZES) {
    const costs = LAYOUTS.map((layout) => ({
      layout: layout.name,
      batchSize,
      usPerRow: [] as number[],
      ratios: [] as number[],
    }));
    const loads: string[] = [];
    for (let round = 0; round < reps; round++) {
      const batches = batchesOf(batchSize, rows, start);
      for (const [i, layout] of LAYOUTS.entries()) {
        for (const statement of layoutDdl(tables[i], layout, start - DAY_MS, start + 3 * DAY_MS))
          await client.query(statement);
      }
      const ns = LAYOUTS.map(() => 0);
      for (const [b, batch] of batches.entries()) {
        for (let k = 0; k < LAYOUTS.length; k++) {
          const i = (k + b + round) % LAYOUTS.length;
          const layout = LAYOUTS[i];
          const before = cpuNs(pid) ?? 0;
          await client.query(insertInto(tables[i], layout), layout.extra ? batch : batch.slice(0, 5));
          ns[i] += (cpuNs(pid) ?? 0) - before;
        }
      }
      for (const [i, cost] of costs.entries()) {
        const [{ count }] = (await client.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${tables[i]}`))
          .rows;
        if (count !== rows) throw new Error(`${cost.layout}: ${count} rows stored of ${rows}`);
        cost.usPerRow.push(ns[i] / 1000 / rows);
        cost.ratios.push(ns[i] / ns[0]);
      }
      loads.push(load());
    }
    for (const table of tables) await client.query(`DROP TABLE ${table} CASCADE`);
    log(
      `\n## Backend CPU per row, batches of ${thousands(batchSize)}: ${thousands(rows)} readings per layout and round, ${reps} rounds, interleaved\n`,
    );
    log(`load average after each round: ${loads.join(' · ')}\n`);
    log('| layout | µs per row (median) | against plain, same round (median, range) |\n|---|--:|--:|');
    for (const cost of costs) {
      const range = `${percent(Math.min(...cost.ratios))} … ${percent(Math.max(...cost.ratios))}`;
      log(`| ${cost.layout} | ${median(cost.usPerRow).toFixed(2)} | ${percent(median(cost.ratios))} (${range}) |`);
    }
    results.push(...costs);
  }
  return results;
}

async function lastHour(client: Client, { bigRows, log }: StorageOptions): Promise<void> {
  const end = Date.parse('2026-12-01T10:00:00Z');
  const start = end - 10 * DAY_MS;
  const product = LAYOUTS[LAYOUTS.length - 1];
  for (const statement of layoutDdl('sensor_readings', product, start, end + DAY_MS)) await client.query(statement);
  const step = (end - start) / bigRows;
  const started = process.hrtime.bigint();
  const chunk = 1_000_000;
  // In time order, as readings arrive.
  for (let from = 0; from < bigRows; from += chunk) {
    await client.query(
      `INSERT INTO sensor_readings (id, sensor_type, temperature_f, temperature_c, measured_at)
       SELECT gen_random_uuid()::text, 'Sensor', f, (f - 32) * 5 / 9, to_timestamp(${start / 1000}) + n * interval '${step} milliseconds'
         FROM (SELECT n, 40 + random() * 60 AS f FROM generate_series($1::bigint, $2::bigint) AS n) AS readings`,
      [from, Math.min(from + chunk, bigRows) - 1],
    );
  }
  const loadSeconds = seconds(started);
  // Statistics, as autovacuum would gather them; no VACUUM, which the key's btree does not need.
  await client.query('ANALYZE sensor_readings');
  const lastDay = `sensor_readings_${new Date(end).toISOString().slice(0, 10).replace(/-/g, '')}`;
  // The same day under BRIN alone: summarized (built after the rows), and not yet (built
  // before them, summaries left to autovacuum, which may be late or off).
  await client.query(`CREATE TABLE brin_summarized AS SELECT * FROM ${lastDay} ORDER BY measured_at`);
  await client.query('CREATE INDEX brin_summarized_brin ON brin_summarized USING brin (measured_at)');
  await client.query(`CREATE TABLE brin_pending (LIKE ${lastDay})`);
  await client.query(
    'CREATE INDEX brin_pending_brin ON brin_pending USING brin (measured_at) WITH (autosummarize = on)',
  );
  await client.query(`INSERT INTO brin_pending SELECT * FROM ${lastDay} ORDER BY measured_at`);
  await client.query('ANALYZE brin_summarized');
  await client.query('ANALYZE brin_pending');

  const [{ pid }] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
  const query = (table: string) =>
    `SELECT count(*), min(temperature_c), max(temperature_c), avg(temperature_c) FROM ${table}
      WHERE measured_at >= timestamptz '${new Date(end - HOUR_MS).toISOString()}' AND measured_at < timestamptz '${new Date(end).toISOString()}'`;
  const time = async (table: string) => {
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < 21; i++) {
      const cpuBefore = cpuNs(pid);
      const t = process.hrtime.bigint();
      await client.query(query(table));
      wall.push(seconds(t) * 1000);
      const cpuAfter = cpuNs(pid);
      if (cpuBefore !== undefined && cpuAfter !== undefined) cpu.push((cpuAfter - cpuBefore) / 1e6);
    }
    return { wallMs: median(wall), cpuMs: cpu.length > 0 ? median(cpu) : undefined };
  };
  const size = async (relation: string) =>
    Number(
      (
        await client.query<{ bytes: string }>(
          // pg_partition_tree is empty for a relation that is not partitioned.
          'SELECT coalesce(sum(pg_relation_size(relid)), pg_relation_size($1)) AS bytes FROM pg_partition_tree($1)',
          [relation],
        )
      ).rows[0].bytes,
    );
  const rows = [
    { index: 'key (measured_at, id), btree', table: 'sensor_readings', relation: 'sensor_readings_pkey' },
    { index: 'BRIN, ranges summarized', table: 'brin_summarized', relation: 'brin_summarized_brin' },
    { index: 'BRIN, ranges not yet summarized', table: 'brin_pending', relation: 'brin_pending_brin' },
  ];
  log(
    `\n## Last hour of ${thousands(bigRows)} readings over 10 days (loaded in ${loadSeconds.toFixed(0)} s; load average ${load()})\n`,
  );
  log('| index | its size | backend CPU (median of 21) | wall (median of 21) |\n|---|--:|--:|--:|');
  for (const { index, table, relation } of rows) {
    const { wallMs, cpuMs } = await time(table);
    const bytes = await size(relation);
    const shown =
      bytes > 10 * 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(0)} MB` : `${(bytes / 1024).toFixed(0)} kB`;
    log(`| ${index} | ${shown} | ${cpuMs === undefined ? '–' : `${cpuMs.toFixed(1)} ms`} | ${wallMs.toFixed(1)} ms |`);
  }
  log('\n(BRIN on a copy of the last day only; sizes: all partitions for the key, the one day for BRIN)');
  const [{ count }] = (await client.query<{ count: string }>(query('sensor_readings'))).rows;
  const plan = (
    await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${query('sensor_readings')}`)
  ).rows.map((r) => r['QUERY PLAN']);
  log(
    `\nlast hour: ${count} readings, ${new Date().toISOString()}, load average ${load()}:\n\n\`\`\`text\n${plan.join('\n')}\n\`\`\``,
  );
}

async function upgrade(client: Client, url: string, { upgradeRows, consumerMain, log }: StorageOptions): Promise<void> {
  await client.query(PLAIN);
  await client.query(
    'CREATE TABLE migrations (id SERIAL PRIMARY KEY, "timestamp" bigint NOT NULL, name varchar NOT NULL)',
  );
  await client.query(
    "INSERT INTO migrations (timestamp, name) VALUES (1732838400000, 'CreateSensorReadings1732838400000')",
  );
  await client.query(
    `INSERT INTO sensor_readings (id, sensor_type, temperature_f, temperature_c, measured_at)
     SELECT 'sensor-' || n, 'Sensor', 40 + random() * 60, 8 + random() * 30, timestamptz '2026-11-01Z' + n * interval '1 second'
       FROM generate_series(1, $1::bigint) AS n`,
    [upgradeRows],
  );
  await client.query('VACUUM ANALYZE sensor_readings');
  const started = process.hrtime.bigint();
  await execCommand(
    process.execPath,
    [consumerMain, 'migrate', '--database-url', url, '--migration-database-url', url],
    60 * 60_000,
  );
  const took = seconds(started);
  const [{ count }] = (await client.query<{ count: number }>('SELECT count(*)::int AS count FROM sensor_readings'))
    .rows;
  log(
    `\n## Upgrade of a plain table of ${thousands(upgradeRows)} rows: ${took.toFixed(1)} s, ${((took * 1e6) / upgradeRows).toFixed(1)} s per million rows; ${thousands(count)} rows after\n`,
  );
}

/** Runs the parts whose size is not 0, each on a database of its own. */
export async function measureStorage(options: StorageOptions): Promise<void> {
  if (options.rows > 0)
    await withDatabase(options.adminUrl, (client) => insertCosts(client, options).then(() => undefined));
  if (options.bigRows > 0) await withDatabase(options.adminUrl, (client) => lastHour(client, options));
  if (options.upgradeRows > 0) await withDatabase(options.adminUrl, (client, url) => upgrade(client, url, options));
}
