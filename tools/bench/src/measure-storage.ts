// What the storage layout costs and buys, on databases of its own (dropped afterwards):
// 1. insert rate, unnest batches in time order: the plain table as it was (key id) against the
//    partitioned one (daily partitions, key (id, measured_at), BRIN), with the consumer's statement;
// 2. at `bigRows` readings over 10 days: BRIN against btree on measured_at, their size and the
//    time of "the readings of the last hour", with its plan;
// 3. the upgrade migration on a plain table of `upgradeRows`, run by the consumer's own
//    `migrate` command: seconds per million rows.
// Insert rates are given per second of wall clock and, where /proc shows the Postgres backend
// (Postgres on this machine, run as root or its user), per CPU-second of that backend: the
// figure a shared, busy machine disturbs least.
import { createTestDatabase, execCommand } from '@sensors/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { readProcessCpu } from './proc-stats';

/** Options of {@link measureStorage}; a size of 0 skips its part. */
export interface StorageOptions {
  adminUrl: string;
  rows: number;
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

/** The partitioned layout as the migration leaves it, with daily partitions over [from, to). */
export function partitionedLayout(from: number, to: number): string[] {
  const days: string[] = [];
  for (let day = Math.floor(from / DAY_MS) * DAY_MS; day < to; day += DAY_MS) {
    const name = new Date(day).toISOString().slice(0, 10).replace(/-/g, '');
    days.push(`CREATE TABLE sensor_readings_${name} PARTITION OF sensor_readings
      FOR VALUES FROM ('${new Date(day).toISOString()}') TO ('${new Date(day + DAY_MS).toISOString()}')`);
  }
  return [
    `CREATE TABLE sensor_readings (${COLUMNS}, extra jsonb, CONSTRAINT sensor_readings_pkey PRIMARY KEY (id, measured_at)) PARTITION BY RANGE (measured_at)`,
    'CREATE TABLE sensor_readings_default PARTITION OF sensor_readings DEFAULT',
    'CREATE INDEX sensor_readings_measured_at_brin ON sensor_readings USING brin (measured_at) WITH (autosummarize = on)',
    ...days,
  ];
}

// The consumer's statements before and after (libs/persistence/src/save-readings.ts).
const INSERT_BEFORE = `INSERT INTO sensor_readings (id, sensor_type, temperature_f, temperature_c, measured_at)
  SELECT * FROM unnest($1::varchar[], $2::text[], $3::float8[], $4::float8[], $5::timestamptz[]) ON CONFLICT (id) DO NOTHING`;
const INSERT_AFTER = `INSERT INTO sensor_readings (id, sensor_type, temperature_f, temperature_c, measured_at, extra)
  SELECT * FROM unnest($1::varchar[], $2::text[], $3::float8[], $4::float8[], $5::timestamptz[], $6::jsonb[])
  ON CONFLICT (id, measured_at) DO NOTHING`;

type Columns = [string[], string[], number[], number[], string[], null[]];

function batchesOf(size: number, count: number, start: number): Columns[] {
  const step = (2 * DAY_MS) / count;
  const batches: Columns[] = [];
  for (let b = 0; b * size < count; b++) {
    const batch: Columns = [[], [], [], [], [], []];
    const [ids, types, f, c, at, extra] = batch;
    for (let i = 0; i < size && b * size + i < count; i++) {
      ids.push(randomUUID());
      types.push('Sensor');
      const t = 40 + Math.random() * 60;
      f.push(t);
      c.push(((t - 32) * 5) / 9);
      at.push(new Date(start + (b * size + i) * step).toISOString());
      extra.push(null);
    }
    batches.push(batch);
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
const median = (list: readonly number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const thousands = (n: number) => n.toLocaleString('en');

/** Insert rates per layout and batch size; see the file's comment. */
export interface InsertRate {
  layout: 'plain' | 'partitioned';
  batchSize: number;
  median: number;
  rates: number[];
  /** Rows per CPU-second of the Postgres backend; empty where /proc does not show it. */
  cpuRates: number[];
}

async function insertRates(client: Client, { rows, reps, log }: StorageOptions): Promise<InsertRate[]> {
  const start = Date.parse('2026-12-01T00:00:00Z');
  const layouts = {
    plain: { ddl: [PLAIN], insert: INSERT_BEFORE, columns: 5 },
    partitioned: { ddl: partitionedLayout(start, start + 2 * DAY_MS), insert: INSERT_AFTER, columns: 6 },
  };
  const [{ pid }] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
  // The work of an insert is the backend's: its CPU time moves far less with the machine's load
  // than the wall clock does, since waiting for a core is not counted.
  const backendCpuS = () => readProcessCpu(pid)?.cpuS;
  const results: InsertRate[] = [];
  for (const batchSize of BATCH_SIZES) {
    const batches = batchesOf(batchSize, rows, start);
    const measured = {
      plain: { rates: [] as number[], cpuRates: [] as number[] },
      partitioned: { rates: [] as number[], cpuRates: [] as number[] },
    };
    // Alternating layouts within each repetition, so that the machine's load falls on both alike.
    for (let rep = 0; rep < reps; rep++) {
      for (const layout of ['plain', 'partitioned'] as const) {
        const { ddl, insert, columns } = layouts[layout];
        await client.query('DROP TABLE IF EXISTS sensor_readings CASCADE');
        for (const statement of ddl) await client.query(statement);
        const cpuBefore = backendCpuS();
        const started = process.hrtime.bigint();
        for (const batch of batches) await client.query(insert, batch.slice(0, columns));
        measured[layout].rates.push(Math.round(rows / seconds(started)));
        const cpuAfter = backendCpuS();
        const cpu = cpuBefore === undefined || cpuAfter === undefined ? 0 : cpuAfter - cpuBefore;
        if (cpu > 0) measured[layout].cpuRates.push(Math.round(rows / cpu));
      }
    }
    for (const layout of ['plain', 'partitioned'] as const) {
      results.push({ layout, batchSize, median: median(measured[layout].rates), ...measured[layout] });
    }
  }
  const find = (layout: InsertRate['layout'], batchSize: number) =>
    results.find((r) => r.layout === layout && r.batchSize === batchSize) as InsertRate;
  log(`\n## Insert rate, ${thousands(rows)} readings in time order\n`);
  log(`| layout | batch | rows/s (median of ${reps}) | runs |\n|---|--:|--:|---|`);
  for (const r of results) log(`| ${r.layout} | ${r.batchSize} | ${thousands(r.median)} | ${r.rates.join(' / ')} |`);
  // Under a shared machine's load, the best run of each layout says most about the work itself.
  log('');
  for (const batchSize of BATCH_SIZES) {
    const [plain, part] = [find('plain', batchSize), find('partitioned', batchSize)];
    const ratio = (pick: (list: number[]) => number) => (pick(part.rates) / pick(plain.rates)).toFixed(3);
    log(
      `- batch ${batchSize}: partitioned / plain = ${ratio(median)} (medians), ${ratio((list) => Math.max(...list))} (best runs)`,
    );
  }
  if (results.some((r) => r.cpuRates.length < reps)) {
    log("\n(the Postgres backend's CPU time is not readable here: no figures per CPU-second)");
    return results;
  }
  log(`\n## Insert rate per CPU-second of the Postgres backend (user + system, from /proc)\n`);
  log(`| layout | batch | rows per CPU-s (median of ${reps}) | runs |\n|---|--:|--:|---|`);
  for (const r of results) {
    log(`| ${r.layout} | ${r.batchSize} | ${thousands(median(r.cpuRates))} | ${r.cpuRates.join(' / ')} |`);
  }
  log('');
  for (const batchSize of BATCH_SIZES) {
    const [plain, part] = [find('plain', batchSize), find('partitioned', batchSize)];
    const ratio = (median(part.cpuRates) / median(plain.cpuRates)).toFixed(3);
    log(`- batch ${batchSize}: partitioned / plain per backend CPU-second = ${ratio} (medians)`);
  }
  return results;
}

async function indexes(client: Client, { bigRows, log }: StorageOptions): Promise<void> {
  const end = Date.parse('2026-12-01T00:00:00Z');
  const start = end - 10 * DAY_MS;
  for (const statement of partitionedLayout(start, end)) await client.query(statement);
  const step = (end - start) / bigRows;
  const started = process.hrtime.bigint();
  const chunk = 1_000_000;
  for (let from = 0; from < bigRows; from += chunk) {
    await client.query(
      `INSERT INTO sensor_readings (id, sensor_type, temperature_f, temperature_c, measured_at)
       SELECT 'sensor-' || n, 'Sensor', 40 + random() * 60, (8 + random() * 30),
              to_timestamp(${start / 1000}) + n * interval '${step} milliseconds'
         FROM generate_series($1::bigint, $2::bigint) AS n`,
      [from, Math.min(from + chunk, bigRows) - 1],
    );
  }
  const loadSeconds = seconds(started);
  await client.query('VACUUM ANALYZE sensor_readings');
  const indexSize = async (index: string) =>
    Number(
      (
        await client.query<{ bytes: string }>(
          'SELECT sum(pg_relation_size(relid)) AS bytes FROM pg_partition_tree($1)',
          [index],
        )
      ).rows[0].bytes,
    );
  const lastHour = `SELECT count(*), min(temperature_c), max(temperature_c), avg(temperature_c) FROM sensor_readings
    WHERE measured_at >= timestamptz '${new Date(end - HOUR_MS).toISOString()}' AND measured_at < timestamptz '${new Date(end).toISOString()}'`;
  const timeQuery = async () => {
    const times: number[] = [];
    for (let i = 0; i < 21; i++) {
      const t = process.hrtime.bigint();
      await client.query(lastHour);
      times.push(seconds(t) * 1000);
    }
    return median(times);
  };
  const brinBytes = await indexSize('sensor_readings_measured_at_brin');
  const brinMs = await timeQuery();
  const brinPlan = (
    await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${lastHour}`)
  ).rows.map((r) => r['QUERY PLAN']);
  const btreeStarted = process.hrtime.bigint();
  await client.query('CREATE INDEX sensor_readings_measured_at_btree ON sensor_readings (measured_at)');
  const btreeBuild = seconds(btreeStarted);
  const btreeBytes = await indexSize('sensor_readings_measured_at_btree');
  await client.query('ANALYZE sensor_readings');
  const btreeMs = await timeQuery();
  const [{ count }] = (await client.query<{ count: string }>(lastHour)).rows;
  log(`\n## ${thousands(bigRows)} readings over 10 days (loaded in ${loadSeconds.toFixed(0)} s)\n`);
  log('| index on measured_at | size | last hour (median of 21) |\n|---|--:|--:|');
  log(`| BRIN (autosummarize) | ${(brinBytes / 1024).toFixed(0)} kB | ${brinMs.toFixed(1)} ms |`);
  log(
    `| btree (built in ${btreeBuild.toFixed(0)} s) | ${(btreeBytes / 1024 / 1024).toFixed(0)} MB | ${btreeMs.toFixed(1)} ms |`,
  );
  log(`last hour: ${count} readings. Plan with BRIN only:\n\n\`\`\`\n${brinPlan.join('\n')}\n\`\`\``);
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
    await withDatabase(options.adminUrl, (client) => insertRates(client, options).then(() => undefined));
  if (options.bigRows > 0) await withDatabase(options.adminUrl, (client) => indexes(client, options));
  if (options.upgradeRows > 0) await withDatabase(options.adminUrl, (client, url) => upgrade(client, url, options));
}
