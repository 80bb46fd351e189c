// Creates the database and its two roles, if they are missing (idempotent):
//   the owner, which runs the migrations (DDL), and the apps' role, which may only connect,
//   insert and read (the consumer grants it INSERT and SELECT on sensor_readings when it
//   migrates). Passwords are (re)set to the ones in the URLs.
//   DATABASE_ADMIN_URL      a role allowed to create roles and databases
//                           (default postgres://postgres@127.0.0.1:5432/postgres)
//   SENSORS_DATABASE_MIGRATION_URL  the owner (default postgres://sensors_owner:sensors_owner@127.0.0.1:5432/sensors)
//   SENSORS_DATABASE_URL            the apps' role (default postgres://sensors_app:sensors_app@127.0.0.1:5432/sensors)
import pg from 'pg';

const DEFAULTS = {
  admin: 'postgres://postgres@127.0.0.1:5432/postgres',
  owner: 'postgres://sensors_owner:sensors_owner@127.0.0.1:5432/sensors',
  app: 'postgres://sensors_app:sensors_app@127.0.0.1:5432/sensors',
};
const adminUrl = process.env.DATABASE_ADMIN_URL ?? DEFAULTS.admin;
const owner = role(process.env.SENSORS_DATABASE_MIGRATION_URL ?? DEFAULTS.owner);
const app = role(process.env.SENSORS_DATABASE_URL ?? DEFAULTS.app);
if (owner.database !== app.database)
  fail('SENSORS_DATABASE_URL and SENSORS_DATABASE_MIGRATION_URL must name the same database.');

const admin = await connect(adminUrl);
try {
  for (const { name, password } of [owner, app]) {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
    const secret = password ? ` PASSWORD ${admin.escapeLiteral(password)}` : '';
    await admin.query(`${rowCount ? 'ALTER' : 'CREATE'} ROLE ${admin.escapeIdentifier(name)} LOGIN${secret}`);
  }
  const db = admin.escapeIdentifier(owner.database);
  const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [owner.database]);
  if (!rowCount) await admin.query(`CREATE DATABASE ${db} OWNER ${admin.escapeIdentifier(owner.name)}`);
  await admin.query(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC`);
  await admin.query(`GRANT CONNECT ON DATABASE ${db} TO ${admin.escapeIdentifier(app.name)}`);
} finally {
  await admin.end();
}

const inDatabase = new URL(adminUrl);
inDatabase.pathname = `/${owner.database}`;
const schema = await connect(inDatabase.href);
try {
  // Only the owner may create objects; the apps' role may only use what it is granted.
  await schema.query(`ALTER SCHEMA public OWNER TO ${schema.escapeIdentifier(owner.name)}`);
  await schema.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
  await schema.query(`GRANT USAGE ON SCHEMA public TO ${schema.escapeIdentifier(app.name)}`);
} finally {
  await schema.end();
}

console.log(
  `Postgres ready: database "${owner.database}" owned by "${owner.name}" (migrations), used by "${app.name}" (insert and read only).`,
);
for (const [what, url] of /** @type {const} */ ([
  ['SENSORS_DATABASE_MIGRATION_URL', owner],
  ['SENSORS_DATABASE_URL', app],
])) {
  if (url.password === url.name)
    console.warn(`WARNING: ${what} uses the repository's default password; set a real one outside a laptop.`);
}

/**
 * The role and database a connection URL names.
 * @param {string} url
 */
function role(url) {
  const parsed = new URL(url);
  return {
    name: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: parsed.pathname.slice(1),
  };
}

/**
 * A connected client, or the process ends with a message saying what could not be reached.
 * @param {string} url
 * @returns {Promise<pg.Client>}
 */
async function connect(url) {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return client;
  } catch (err) {
    const shown = new URL(url);
    if (shown.password) shown.password = '***';
    return fail(
      `Cannot reach Postgres as an administrator (${shown.href}): ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/**
 * @param {string} message
 * @returns {never}
 */
function fail(message) {
  console.error(message);
  process.exit(1);
}
