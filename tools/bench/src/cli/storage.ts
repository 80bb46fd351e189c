// The storage layout's costs (see measure-storage.ts), on databases of its own:
//   npx nx build consumer && npx nx run bench:storage -- [--rows 200000] [--reps 3] [--big-rows 10000000] [--upgrade-rows 1000000] [--page docs/performance.md]
// --rows: readings per layout and round of the insert measurement; --reps: its rounds.
// BENCH_DATABASE_URL: Postgres, as a role that may create databases.
import { loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { databaseVersion } from '../bench-services';
import { measureStorage } from '../measure-storage';
import { currentMachine, describeCommand, renderPageMachine, writePageSection } from '../performance-page';

const root = resolve(__dirname, '../../../..');
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    reps: { type: 'string', default: '3' },
    'big-rows': { type: 'string', default: '10000000' },
    'upgrade-rows': { type: 'string', default: '1000000' },
    page: { type: 'string' },
  },
});

async function main(): Promise<void> {
  const adminUrl = process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const startedAt = new Date();
  const machine = currentMachine();
  const report: string[] = [];
  const parts = [
    ...(Number(values.rows) > 0 ? ['insert CPU per row by layout'] : []),
    ...(Number(values['big-rows']) > 0 ? ['last hour, btree against BRIN'] : []),
    ...(Number(values['upgrade-rows']) > 0 ? ['upgrade'] : []),
  ];
  await measureStorage({
    adminUrl,
    rows: Number(values.rows),
    reps: Number(values.reps),
    bigRows: Number(values['big-rows']),
    upgradeRows: Number(values['upgrade-rows']),
    consumerMain: join(root, 'dist/apps/consumer/main.js'),
    log: (line) => {
      console.log(line);
      report.push(line);
    },
  });
  if (values.page === undefined) return;
  const page = resolve(root, values.page);
  writePageSection(page, {
    date: startedAt.toISOString().slice(0, 10),
    what: `storage: ${parts.join(', ')}`,
    command: describeCommand('npx nx run bench:storage', process.argv.slice(2), process.env),
    machine: renderPageMachine({
      ...machine,
      postgres: await databaseVersion(adminUrl),
      loadAverageStart: machine.loadAverage,
      loadAverageEnd: loadavg().map((v) => v.toFixed(2)),
      startedAt,
      finishedAt: new Date(),
    }),
    report: report.join('\n'),
  });
  console.log(`section written to ${relative(process.cwd(), page)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
