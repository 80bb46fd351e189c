// The main job, `npm start`: brings up RabbitMQ and Postgres if they are down, creates the
// database role and database, builds both apps and runs them until Ctrl-C, printing how many
// readings Postgres holds every few seconds. Arguments after `--` go to the publisher, e.g.
// `npm start -- --rate 1000`. Ctrl-C stops the publisher, then the consumer (see supervise.mjs),
// and `npm start` exits 0. package.json runs this with `exec`: npm's `sh` (dash on Debian and
// Ubuntu) would otherwise die of the Ctrl-C once this script has exited, and npm with it (130).
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import pg from 'pg';
import { readServiceExports } from './read-service-exports.mjs';
import { supervise } from './supervise.mjs';

const root = resolve(import.meta.dirname, '../..');
/** @type {NodeJS.ProcessEnv} */
const env = { ...process.env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false' };
/**
 * @param {string} command
 * @param {string[]} args
 */
const step = (command, args) =>
  execFileSync(command, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });

Object.assign(
  env,
  readServiceExports(execFileSync('bash', ['tools/scripts/ensure-services.sh'], { cwd: root, env }).toString()),
);
step('node', ['tools/scripts/setup-database.mjs']);
step('npx', ['nx', 'run-many', '-t', 'build', '-p', 'publisher', 'consumer', '--output-style=static']);

const db = new pg.Client({
  connectionString: env.SENSORS_DATABASE_URL ?? 'postgres://sensors_app:sensors_app@127.0.0.1:5432/sensors',
});
await db.connect();
const counter = setInterval(async () => {
  try {
    const { rows } = await db.query('SELECT count(*)::int AS n FROM sensor_readings');
    console.log(`>>> sensor_readings holds ${rows[0].n} readings`);
  } catch (err) {
    console.log(`>>> cannot count the readings yet: ${err instanceof Error ? err.message : String(err)}`);
  }
}, 5000);

/**
 * @param {string} name
 * @param {string[]} args
 * @returns {import('./supervise.mjs').App}
 */
const app = (name, args) => ({
  name,
  command: process.execPath,
  args: [`dist/apps/${name}/main.js`, '--log-pretty', ...args],
  cwd: root,
  env,
});
const exitCode = await supervise([app('consumer', []), app('publisher', process.argv.slice(2))]);
clearInterval(counter);
await db.end().catch(() => undefined);
process.exit(exitCode);
