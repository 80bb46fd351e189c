import { describeDatabaseFailure, watchDatabase } from '../src/database-health';

/** An error as TypeORM's QueryFailedError carries Postgres's: the SQLSTATE on `driverError`. */
function queryFailed(code: string, message: string): Error {
  return Object.assign(new Error(message), { driverError: Object.assign(new Error(message), { code }) });
}

const DISK_FULL = queryFailed(
  '53100',
  'could not extend file "pg_tblspc/16384/PG_15_202209061/5/16410": No space left on device',
);

describe('watchDatabase', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('turns unhealthy on a failure, with the reason, and healthy again on a success', () => {
    const health = watchDatabase(async () => undefined, 1000);
    expect(health.healthy()).toBe(true);
    health.failed(new Error('connection refused'));
    expect(health.healthy()).toBe(false);
    expect(health.reason()).toBe('database unavailable: connection refused');
    health.succeeded();
    expect(health.healthy()).toBe(true);
    expect(health.recoveries()).toBe(1);
    health.stop();
  });

  it('pings on its interval so readiness follows the database while idle', async () => {
    let up = false;
    const health = watchDatabase(async () => {
      if (!up) throw new Error('down');
    }, 1000);
    await jest.advanceTimersByTimeAsync(1000);
    expect(health.healthy()).toBe(false);
    up = true;
    await jest.advanceTimersByTimeAsync(1000);
    expect(health.healthy()).toBe(true);
    expect(health.recoveries()).toBe(1);
    health.stop();
  });

  it('stays unhealthy while writes fail though the ping answers, until a write succeeds', async () => {
    const health = watchDatabase(async () => undefined, 1000);
    health.failed(DISK_FULL);
    await jest.advanceTimersByTimeAsync(3000);
    expect(health.healthy()).toBe(false);
    expect(health.reason()).toMatch(/^database disk full: /);
    health.succeeded();
    expect(health.healthy()).toBe(true);
    expect(health.recoveries()).toBe(1);
    health.stop();
  });

  it("gives the ping's reason first when the database does not answer either", async () => {
    const health = watchDatabase(async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    }, 1000);
    health.failed(DISK_FULL);
    await jest.advanceTimersByTimeAsync(1000);
    expect(health.reason()).toBe('database unavailable: connect ECONNREFUSED 127.0.0.1:5432');
    health.stop();
  });
});

describe('describeDatabaseFailure', () => {
  it('names a full disk, says what to do, and keeps the SQLSTATE and message', () => {
    expect(describeDatabaseFailure(DISK_FULL)).toBe(
      "database disk full: writes are held and retried until space is freed on the table's tablespace " +
        '(SQLSTATE 53100: could not extend file "pg_tblspc/16384/PG_15_202209061/5/16410": No space left on device)',
    );
    expect(describeDatabaseFailure(Object.assign(new Error('no space'), { code: '53100' }))).toMatch(
      /^database disk full: .*\(SQLSTATE 53100: no space\)$/,
    );
  });

  it('calls anything else unavailable, with its message', () => {
    expect(describeDatabaseFailure(queryFailed('57P01', 'terminating connection'))).toBe(
      'database unavailable: terminating connection',
    );
    expect(describeDatabaseFailure('timeout')).toBe('database unavailable: timeout');
  });
});
