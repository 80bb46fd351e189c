// Creates the database role and database the apps use, if they are missing. Idempotent.
//   DATABASE_ADMIN_URL  a role allowed to create roles and databases
//                       (default postgres://postgres@127.0.0.1:5432/postgres)
//   DATABASE_URL        what the apps will use; its user, password and database are created
//                       (default postgres://sensors:sensors@127.0.0.1:5432/sensors)
import pg from 'pg';

const adminUrl = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const appUrl = new URL(process.env.DATABASE_URL ?? 'postgres://sensors:sensors@127.0.0.1:5432/sensors');
const role = decodeURIComponent(appUrl.username);
const password = decodeURIComponent(appUrl.password);
const database = appUrl.pathname.slice(1);

const admin = new pg.Client({ connectionString: adminUrl });
try {
  await admin.connect();
} catch (err) {
  console.error(`Cannot reach Postgres as an administrator (DATABASE_ADMIN_URL, ${redact(adminUrl)}): ${err.message}`);
  process.exit(1);
}
try {
  const ident = (name) => admin.escapeIdentifier(name);
  const { rowCount: hasRole } = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  const passwordSql = password ? ` PASSWORD ${admin.escapeLiteral(password)}` : '';
  await admin.query(`${hasRole ? 'ALTER' : 'CREATE'} ROLE ${ident(role)} LOGIN${passwordSql}`);
  const { rowCount: hasDatabase } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (!hasDatabase) await admin.query(`CREATE DATABASE ${ident(database)} OWNER ${ident(role)}`);
  console.log(`Postgres ready: database "${database}" owned by role "${role}" (${redact(appUrl.href)}).`);
} finally {
  await admin.end();
}

function redact(url) {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.href;
}
