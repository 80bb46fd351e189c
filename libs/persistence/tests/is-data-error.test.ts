import { waitFor, freePort, isRunningStatement, terminateDatabaseSessions } from '@sensors/testing';
import { QueryFailedError } from 'typeorm';
import { createDataSource, isDataError, saveReadings } from '../src';
import { enrichedReading } from './readings';
import { useMigratedDatabase } from './migrated-database';

async function failure(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (err) {
    return err;
  }
  throw new Error('expected the work to fail');
}

describe('isDataError', () => {
  const migrated = useMigratedDatabase();

  it('is true when Postgres rejects a value in a batch, and the batch stores nothing', async () => {
    const err = await failure(() =>
      saveReadings(migrated.dataSource, [
        enrichedReading('data-error-good'),
        enrichedReading('data-error-bad', { time_of_measurement: '300000-01-01T00:00:00Z' }),
      ]),
    );
    expect(err).toBeInstanceOf(QueryFailedError);
    // A time the model cannot read is written as NULL, which the table refuses.
    expect(err).toMatchObject({ code: '23502' });
    expect(isDataError(err)).toBe(true);
    expect(await migrated.dataSource.query("SELECT id FROM sensor_readings WHERE id LIKE 'data-error-%'")).toEqual([]);
  });

  it('is true for an id too long for its column', async () => {
    const err = await failure(() => saveReadings(migrated.dataSource, [enrichedReading('x'.repeat(129))]));
    expect(err).toMatchObject({ code: '22001' });
    expect(isDataError(err)).toBe(true);
  });

  it('reads the SQLSTATE from the error or from its driverError', () => {
    expect(isDataError({ code: '22P02' })).toBe(true);
    expect(isDataError({ code: '23505' })).toBe(true);
    expect(isDataError({ driverError: { code: '23502' } })).toBe(true);
    expect(isDataError({ code: undefined, driverError: { code: '22003' } })).toBe(true);
  });

  it('is false for transient SQLSTATEs and for anything without one', () => {
    const transient = {
      adminShutdown: '57P01',
      queryCanceled: '57014',
      tooManyConnections: '53300',
      diskFull: '53100',
      lockNotAvailable: '55P03',
      serializationFailure: '40001',
      deadlockDetected: '40P01',
      connectionFailure: '08006',
      invalidCursorState: '24000',
      tooShort: '2200',
      tooLong: '220000',
    };
    for (const code of Object.values(transient)) {
      expect(isDataError({ code })).toBe(false);
      expect(isDataError({ driverError: { code } })).toBe(false);
    }
    for (const value of [
      undefined,
      null,
      '22008',
      22008,
      new Error('22008'),
      { code: 22008 },
      { code: 'ECONNRESET' },
    ]) {
      expect(isDataError(value)).toBe(false);
    }
  });

  it('is false when the database cannot be reached', async () => {
    const down = createDataSource({ url: `postgres://postgres@127.0.0.1:${await freePort()}/postgres` });
    const err = await failure(() => down.initialize());
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
    expect(isDataError(err)).toBe(false);
  });

  it('is false when the server terminates the session', async () => {
    const applicationName = `terminated_${migrated.database.name}`;
    const victim = await createDataSource({ url: migrated.database.url, applicationName }).initialize();
    try {
      const running = failure(() => victim.query('SELECT pg_sleep(30)'));
      await waitFor('the statement to start', () => isRunningStatement(applicationName));
      expect(await terminateDatabaseSessions(applicationName)).toBe(1);
      const err = await running;
      expect(err).toBeInstanceOf(QueryFailedError);
      expect(isDataError(err)).toBe(false);
    } finally {
      await victim.destroy();
    }
  });

  it('is false when a statement times out', async () => {
    const impatient = await createDataSource({ url: migrated.database.url, statementTimeoutMs: 50 }).initialize();
    try {
      const err = await failure(() => impatient.query('SELECT pg_sleep(10)'));
      expect(err).toMatchObject({ code: '57014' });
      expect(isDataError(err)).toBe(false);
    } finally {
      await impatient.destroy();
    }
  });
});
