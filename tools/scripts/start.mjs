// The main job, `npm start`: brings up RabbitMQ and Postgres if they are down, creates the
// database role and database, builds both apps and runs them until Ctrl-C, printing how many
// readings Postgres holds every few seconds. Arguments after `--` go to the publisher, e.g.
// `npm start -- --rate 1000`.
import { execFileSync, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import pg from 'pg';

const root = resolve(import.meta.dirname, '../..');
const env = { ...process.env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false' };
const step = (command, args) =>
  execFileSync(command, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });

for (const line of execFileSync('bash', ['tools/scripts/ensure-services.sh'], { cwd: root, env })
  .toString()
  .split('\n')) {
  const match = /^export (\w+)=(.*)$/.exec(line);
  if (match) env[match[1]] = match[2].replace(/^"|"$/g, '');
}
step('node', ['tools/scripts/setup-database.mjs']);
step('npx', ['nx', 'run-many', '-t', 'build', '-p', 'publisher', 'consumer', '--output-style=static']);

const apps = [];
function startApp(name, args) {
  const child = spawn(process.execPath, [`dist/apps/${name}/main.js`, '--log-pretty', ...args], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
  apps.push(child);
  child.on('exit', (code, signal) => {
    console.log(`${name} exited (${signal ?? code})`);
    if (apps.every((app) => app.exitCode !== null || app.signalCode !== null)) process.exit(code ?? 0);
  });
  return child;
}

startApp('consumer', []);
startApp('publisher', process.argv.slice(2));

const db = new pg.Client({
  connectionString: env.DATABASE_URL ?? 'postgres://sensors_app:sensors_app@127.0.0.1:5432/sensors',
});
await db.connect();
const counter = setInterval(async () => {
  try {
    const { rows } = await db.query('SELECT count(*)::int AS n FROM sensor_readings');
    console.log(`>>> sensor_readings holds ${rows[0].n} readings`);
  } catch (err) {
    console.log(`>>> cannot count the readings yet: ${err.message}`);
  }
}, 5000);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    clearInterval(counter);
    void db.end();
    // The publisher first, so the consumer can drain what it confirmed.
    apps[1].kill('SIGTERM');
    apps[1].once('exit', () => apps[0].kill('SIGTERM'));
  });
}
