import { randomBytes } from 'node:crypto';
import { adminQuery, createTestDatabase, quoteIdentifier, uniqueName, type TestDatabase } from '@sensors/testing';
import { createDataSource, databaseRefusal } from '../src';

/** What initializing a data source on `url` fails with. */
async function failureOf(url: string): Promise<unknown> {
  const dataSource = createDataSource({ url, poolSize: 2 });
  try {
    await dataSource.initialize();
  } catch (err) {
    return err;
  }
  await dataSource.destroy();
  throw new Error(`expected ${url} to be refused`);
}

function withCredentials(base: string, user: string, database: string): string {
  const url = new URL(base);
  url.username = user;
  url.password = 'any';
  url.pathname = `/${database}`;
  return url.toString();
}

describe('databaseRefusal', () => {
  // A role and database of this file's own, removed at the end; the role may not connect.
  const role = uniqueName('sensors_refused');
  let database: TestDatabase;

  beforeAll(async () => {
    await adminQuery(`CREATE ROLE ${quoteIdentifier(role)} LOGIN PASSWORD '${randomBytes(8).toString('hex')}'`);
    database = await createTestDatabase('sensors_refusal');
    await adminQuery(`REVOKE CONNECT ON DATABASE ${quoteIdentifier(database.name)} FROM PUBLIC`);
  });

  afterAll(async () => {
    await database.drop();
    await adminQuery(`DROP ROLE IF EXISTS ${quoteIdentifier(role)}`);
  });

  it('recognises a database that does not exist (3D000)', async () => {
    const err = await failureOf(withCredentials(database.url, role, uniqueName('no_such_db')));
    expect(databaseRefusal(err)).toMatchObject({ code: '3D000', reason: 'the database does not exist' });
  });

  it('recognises a role that does not exist (28000)', async () => {
    const err = await failureOf(withCredentials(database.url, uniqueName('no_such_role'), database.name));
    expect(databaseRefusal(err)).toMatchObject({ code: '28000' });
  });

  it('recognises a role without CONNECT on the database (42501)', async () => {
    const err = await failureOf(withCredentials(database.url, role, database.name));
    expect(databaseRefusal(err)).toMatchObject({ code: '42501', reason: 'the role lacks a privilege it needs' });
  });

  it('recognises a refused password, also as TypeORM wraps it (28P01)', () => {
    // The machine's server trusts local connections, so this one is built as pg reports it.
    const err = Object.assign(new Error('password authentication failed for user "x"'), { code: '28P01' });
    expect(databaseRefusal(err)?.code).toBe('28P01');
    expect(databaseRefusal({ driverError: err })?.code).toBe('28P01');
  });

  it('takes a refused connection, a shutdown and too many connections for transient', async () => {
    const url = new URL(database.url);
    url.port = '1';
    expect(databaseRefusal(await failureOf(url.toString()))).toBeUndefined();
    for (const code of ['57P01', '53300', '08006']) expect(databaseRefusal({ code })).toBeUndefined();
  });
});
