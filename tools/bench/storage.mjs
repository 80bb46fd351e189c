// What the storage layout costs and buys, on a database of its own (dropped afterwards):
// 1. insert rate, unnest batches in time order: the plain table as it was (key id) against the
//    partitioned one (daily partitions, key (id, measured_at), BRIN), with the consumer's statement;
// 2. at --big-rows (10 million) readings over 10 days: BRIN against btree on measured_at, their
//    size and the time of "the readings of the last hour", with its plan;
// 3. the upgrade migration on a plain table of --upgrade-rows, run by the consumer's own
//    `migrate` command: seconds per million rows.
// Insert rates are given per second of wall clock and, where /proc shows the Postgres backend
// (Postgres on this machine, run as root or its user), per CPU-second of that backend: the
// figure a shared, busy machine disturbs least.
//   npx nx build consumer && node tools/bench/storage.mjs [--rows 200000] [--reps 3] [--big-rows 10000000] [--upgrade-rows 1000000]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    reps: { type: 'string', default: '3' },
    'big-rows': { type: 'string', default: '10000000' },
    'upgrade-rows': { type: 'string', default: '1000000' },
  },
});
const rows = Number(values.rows);
const reps = Number(values.reps);
const bigRows = Number(values['big-rows']);
const upgradeRows = Number(values['upgrade-rows']);
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const COLUMNS = `id varchar(128) NOT NULL, sensor_type text NOT NULL, temperature_f double precision NOT NULL,
  temperature_c double precision NOT NULL, measured_at timestamptz NOT NULL, ingested_at timestamptz NOT NULL DEFAULT now()`;
const PLAIN = `CREATE TABLE sensor_readings (${COLUMNS}, CONSTRAINT sensor_readings_pkey PRIMARY KEY (id))`;

/** The partitioned layout as the migration leaves it, with daily partitions over [from, to). */
function partitioned(from, to) {
  const days = [];
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

function batchesOf(size, count, start) {
  const step = (2 * DAY_MS) / count;
  const batches = [];
  for (let b = 0; b * size < count; b++) {
    const ids = [],
      types = [],
      f = [],
      c = [],
      at = [],
      extra = [];
    for (let i = 0; i < size && b * size + i < count; i++) {
      ids.push(randomUUID());
      types.push('Sensor');
      const t = 40 + Math.random() * 60;
      f.push(t);
      c.push(((t - 32) * 5) / 9);
      at.push(new Date(start + (b * size + i) * step).toISOString());
      extra.push(null);
    }
    batches.push([ids, types, f, c, at, extra]);
  }
  return batches;
}

async function withDatabase(work) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const database = `bench_storage_${Date.now().toString(36)}_${process.pid}`;
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.href });
  await client.connect();
  try {
    return await work(client, url.href);
  } finally {
    await client.end();
    await admin.query(`DROP DATABASE ${database} WITH (FORCE)`);
    await admin.end();
  }
}

const seconds = (started) => Number(process.hrtime.bigint() - started) / 1e9;
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString()) || 100;

/**
 * The CPU seconds (user + system) a backend has used so far, from /proc when Postgres runs on
 * this machine and we may read its processes (root, or its user); else undefined. The work of
 * an insert is the backend's: its CPU time moves far less with the machine's load than the
 * wall clock does, since waiting for a core is not counted.
 */
function backendCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];

async function insertRates(client) {
  const start = Date.parse('2026-12-01T00:00:00Z');
  const layouts = {
    plain: { ddl: [PLAIN], insert: INSERT_BEFORE, columns: 5 },
    partitioned: { ddl: partitioned(start, start + 2 * DAY_MS), insert: INSERT_AFTER, columns: 6 },
  };
  const [{ pid }] = (await client.query('SELECT pg_backend_pid() AS pid')).rows;
  const results = [];
  for (const batchSize of [1000, 5000]) {
    const batches = batchesOf(batchSize, rows, start);
    const rates = Object.fromEntries(Object.keys(layouts).map((layout) => [layout, []]));
    const cpuRates = Object.fromEntries(Object.keys(layouts).map((layout) => [layout, []]));
    // Alternating layouts within each repetition, so that the machine's load falls on both alike.
    for (let rep = 0; rep < reps; rep++) {
      for (const [layout, { ddl, insert, columns }] of Object.entries(layouts)) {
        await client.query('DROP TABLE IF EXISTS sensor_readings CASCADE');
        for (const statement of ddl) await client.query(statement);
        const cpuBefore = backendCpuSeconds(pid);
        const started = process.hrtime.bigint();
        for (const batch of batches) await client.query(insert, batch.slice(0, columns));
        rates[layout].push(Math.round(rows / seconds(started)));
        const cpu = cpuBefore === undefined ? undefined : backendCpuSeconds(pid) - cpuBefore;
        if (cpu > 0) cpuRates[layout].push(Math.round(rows / cpu));
      }
    }
    for (const layout of Object.keys(layouts))
      results.push({
        layout,
        batchSize,
        median: median(rates[layout]),
        rates: rates[layout],
        cpuRates: cpuRates[layout],
      });
  }
  console.log(`\n## Insert rate, ${rows.toLocaleString('en')} readings in time order\n`);
  console.log(`| layout | batch | rows/s (median of ${reps}) | runs |\n|---|--:|--:|---|`);
  for (const r of results)
    console.log(`| ${r.layout} | ${r.batchSize} | ${r.median.toLocaleString('en')} | ${r.rates.join(' / ')} |`);
  // Under a shared machine's load, the best run of each layout says most about the work itself.
  for (const batchSize of [1000, 5000]) {
    const [plain, part] = ['plain', 'partitioned'].map((l) =>
      results.find((r) => r.layout === l && r.batchSize === batchSize),
    );
    const ratio = (pick) => (pick(part.rates) / pick(plain.rates)).toFixed(3);
    console.log(
      `batch ${batchSize}: partitioned / plain = ${ratio(median)} (medians), ${ratio((list) => Math.max(...list))} (best runs)`,
    );
  }
  if (results.some((r) => r.cpuRates.length < reps)) {
    console.log("\n(the Postgres backend's CPU time is not readable here: no figures per CPU-second)");
    return;
  }
  console.log(`\n## Insert rate per CPU-second of the Postgres backend (user + system, from /proc)\n`);
  console.log(`| layout | batch | rows per CPU-s (median of ${reps}) | runs |\n|---|--:|--:|---|`);
  for (const r of results)
    console.log(
      `| ${r.layout} | ${r.batchSize} | ${median(r.cpuRates).toLocaleString('en')} | ${r.cpuRates.join(' / ')} |`,
    );
  for (const batchSize of [1000, 5000]) {
    const [plain, part] = ['plain', 'partitioned'].map((l) =>
      results.find((r) => r.layout === l && r.batchSize === batchSize),
    );
    console.log(
      `batch ${batchSize}: partitioned / plain per backend CPU-second = ${(median(part.cpuRates) / median(plain.cpuRates)).toFixed(3)} (medians)`,
    );
  }
}

async function indexes(client) {
  const end = Date.parse('2026-12-01T00:00:00Z');
  const start = end - 10 * DAY_MS;
  for (const statement of partitioned(start, end)) await client.query(statement);
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
  const indexSize = async (index) =>
    Number(
      (await client.query('SELECT sum(pg_relation_size(relid)) AS bytes FROM pg_partition_tree($1)', [index])).rows[0]
        .bytes,
    );
  const lastHour = `SELECT count(*), min(temperature_c), max(temperature_c), avg(temperature_c) FROM sensor_readings
    WHERE measured_at >= timestamptz '${new Date(end - HOUR_MS).toISOString()}' AND measured_at < timestamptz '${new Date(end).toISOString()}'`;
  async function timeQuery() {
    const times = [];
    for (let i = 0; i < 21; i++) {
      const t = process.hrtime.bigint();
      await client.query(lastHour);
      times.push(seconds(t) * 1000);
    }
    return median(times);
  }
  const brinBytes = await indexSize('sensor_readings_measured_at_brin');
  const brinMs = await timeQuery();
  const brinPlan = (await client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${lastHour}`)).rows.map(
    (r) => r['QUERY PLAN'],
  );
  const btreeStarted = process.hrtime.bigint();
  await client.query('CREATE INDEX sensor_readings_measured_at_btree ON sensor_readings (measured_at)');
  const btreeBuild = seconds(btreeStarted);
  const btreeBytes = await indexSize('sensor_readings_measured_at_btree');
  await client.query('ANALYZE sensor_readings');
  const btreeMs = await timeQuery();
  const [{ count }] = (await client.query(lastHour)).rows;
  console.log(`\n## ${bigRows.toLocaleString('en')} readings over 10 days (loaded in ${loadSeconds.toFixed(0)} s)\n`);
  console.log('| index on measured_at | size | last hour (median of 21) |\n|---|--:|--:|');
  console.log(`| BRIN (autosummarize) | ${(brinBytes / 1024).toFixed(0)} kB | ${brinMs.toFixed(1)} ms |`);
  console.log(
    `| btree (built in ${btreeBuild.toFixed(0)} s) | ${(btreeBytes / 1024 / 1024).toFixed(0)} MB | ${btreeMs.toFixed(1)} ms |`,
  );
  console.log(`last hour: ${count} readings. Plan with BRIN only:\n\n${brinPlan.join('\n')}`);
}

async function upgrade(client, url) {
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
  execFileSync(
    process.execPath,
    ['dist/apps/consumer/main.js', 'migrate', '--database-url', url, '--migration-database-url', url],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const took = seconds(started);
  const [{ count }] = (await client.query('SELECT count(*)::int AS count FROM sensor_readings')).rows;
  console.log(
    `\n## Upgrade of a plain table of ${upgradeRows.toLocaleString('en')} rows: ${took.toFixed(1)} s, ${((took * 1e6) / upgradeRows).toFixed(1)} s per million rows; ${count.toLocaleString('en')} rows after\n`,
  );
}

if (rows > 0) await withDatabase(insertRates);
if (bigRows > 0) await withDatabase(indexes);
if (upgradeRows > 0) await withDatabase(upgrade);
