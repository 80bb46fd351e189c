// What time partitioning costs the write path: inserts the same readings, in unnest batches,
// into sensor_readings as it is (primary key id) and into a table partitioned by month of
// measured_at (primary key (id, measured_at), as Postgres requires), and prints rows/s.
//   node tools/bench/partitioning.mjs [--rows 200000] [--reps 3]
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '200000' }, reps: { type: 'string', default: '3' } },
});
const rows = Number(values.rows);
const reps = Number(values.reps);
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const database = `bench_partitioning_${Date.now().toString(36)}`;

const COLUMNS = `id varchar(128) NOT NULL, sensor_type text NOT NULL, temperature_f double precision NOT NULL,
  temperature_c double precision NOT NULL, measured_at timestamptz NOT NULL, ingested_at timestamptz NOT NULL DEFAULT now()`;
const TABLES = {
  plain: `CREATE TABLE readings (${COLUMNS}, PRIMARY KEY (id))`,
  partitioned: `CREATE TABLE readings (${COLUMNS}, PRIMARY KEY (id, measured_at)) PARTITION BY RANGE (measured_at);
    ${Array.from({ length: 12 }, (_, m) => {
      const from = `2026-${String(m + 1).padStart(2, '0')}-01`;
      const to = m === 11 ? '2027-01-01' : `2026-${String(m + 2).padStart(2, '0')}-01`;
      return `CREATE TABLE readings_2026_${m + 1} PARTITION OF readings FOR VALUES FROM ('${from}') TO ('${to}');`;
    }).join('\n')}`,
};
const INSERT = `INSERT INTO readings (id, sensor_type, temperature_f, temperature_c, measured_at)
  SELECT * FROM unnest($1::varchar[], $2::text[], $3::float8[], $4::float8[], $5::timestamptz[]) ON CONFLICT DO NOTHING`;

function batchOf(size) {
  const start = Date.parse('2026-01-01T00:00:00Z');
  const ids = [],
    types = [],
    f = [],
    c = [],
    at = [];
  for (let i = 0; i < size; i++) {
    ids.push(randomUUID());
    types.push('Sensor');
    const t = 40 + Math.random() * 60;
    f.push(t);
    c.push(((t - 32) * 5) / 9);
    at.push(new Date(start + Math.random() * 364 * 86_400_000).toISOString());
  }
  return [ids, types, f, c, at];
}

const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${database}`);
const url = new URL(adminUrl);
url.pathname = `/${database}`;
const client = new pg.Client({ connectionString: url.href });
await client.connect();
const results = [];
try {
  for (const batchSize of [1000, 5000]) {
    const batches = Array.from({ length: Math.ceil(rows / batchSize) }, () => batchOf(batchSize));
    for (const [layout, ddl] of Object.entries(TABLES)) {
      const rates = [];
      for (let rep = 0; rep < reps; rep++) {
        await client.query('DROP TABLE IF EXISTS readings CASCADE');
        await client.query(ddl);
        const started = process.hrtime.bigint();
        for (const batch of batches) await client.query(INSERT, batch);
        rates.push(Math.round(rows / (Number(process.hrtime.bigint() - started) / 1e9)));
      }
      rates.sort((a, b) => a - b);
      results.push({ layout, batchSize, median: rates[Math.floor(rates.length / 2)], rates });
    }
  }
} finally {
  await client.end();
  await admin.query(`DROP DATABASE ${database} WITH (FORCE)`);
  await admin.end();
}
console.log(`| layout | batch | rows/s (median of ${reps}) | runs |\n|---|--:|--:|---|`);
for (const r of results)
  console.log(`| ${r.layout} | ${r.batchSize} | ${r.median.toLocaleString('en')} | ${r.rates.join(' / ')} |`);
for (const batchSize of [1000, 5000]) {
  const [plain, partitioned] = ['plain', 'partitioned'].map(
    (l) => results.find((r) => r.layout === l && r.batchSize === batchSize).median,
  );
  console.log(`batch ${batchSize}: partitioned / plain = ${(partitioned / plain).toFixed(2)}`);
}
