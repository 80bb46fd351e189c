import { watchDatabase } from '../src/database-health';

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
    health.stop();
  });
});
