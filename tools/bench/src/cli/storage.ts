// The storage layout's costs (see measure-storage.ts), on databases of its own:
//   npx nx build consumer && npx nx run bench:storage -- [--rows 200000] [--reps 3] [--big-rows 10000000] [--upgrade-rows 1000000]
// --rows: readings per layout and round of the insert measurement; --reps: its rounds.
// BENCH_DATABASE_URL: Postgres, as a role that may create databases.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { measureStorage } from '../measure-storage';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    reps: { type: 'string', default: '3' },
    'big-rows': { type: 'string', default: '10000000' },
    'upgrade-rows': { type: 'string', default: '1000000' },
  },
});

measureStorage({
  adminUrl: process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  rows: Number(values.rows),
  reps: Number(values.reps),
  bigRows: Number(values['big-rows']),
  upgradeRows: Number(values['upgrade-rows']),
  consumerMain: join(resolve(__dirname, '../../../..'), 'dist/apps/consumer/main.js'),
  log: (line) => console.log(line),
}).catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
