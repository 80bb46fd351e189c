import pino from 'pino';
import { closeConsumer, type ConsumerParts } from '../src/consumer-lifecycle';

/** Parts that record when each is closed; `overrides` replace some of them. */
function recordingParts(closed: string[], overrides: Partial<ConsumerParts> = {}): ConsumerParts {
  const step = (name: string) => async () => void closed.push(name);
  return {
    consumer: { close: step('consumer') },
    broker: { close: step('broker') },
    partitions: { stop: step('partitions') },
    dataSource: { destroy: step('database') },
    database: { stop: () => void closed.push('database watch') },
    stopProgress: () => void closed.push('progress log'),
    ops: { close: step('metrics endpoint') },
    ...overrides,
  };
}

/** A logger whose lines the test reads. */
function recordingLog(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino(
    { level: 'info' },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { log, lines };
}

describe('closeConsumer', () => {
  it('closes the consumer first, then the broker, partition upkeep, the database, the watchers and the metrics endpoint', async () => {
    const closed: string[] = [];
    const close = closeConsumer(recordingParts(closed), { timeoutMs: 1000, log: recordingLog().log });
    await expect(close()).resolves.toBe(true);
    expect(closed).toEqual([
      'consumer',
      'broker',
      'partitions',
      'database',
      'progress log',
      'database watch',
      'metrics endpoint',
    ]);
  });

  it('attempts every step after one fails, logs the failure and resolves false', async () => {
    const closed: string[] = [];
    const { log, lines } = recordingLog();
    const broker = { close: () => Promise.reject(new Error('socket gone')) };
    const close = closeConsumer(recordingParts(closed, { broker }), { timeoutMs: 1000, log });
    await expect(close()).resolves.toBe(false);
    expect(closed).toContain('metrics endpoint');
    expect(lines.find((line) => line['msg'] === 'shutdown step failed')).toMatchObject({
      step: 'close the broker connection',
    });
  });

  it('ends within its timeout when the consumer never finishes, and tells it to give up', async () => {
    const closed: string[] = [];
    let toldToGiveUp = false;
    const consumer = {
      close: (signal: AbortSignal) =>
        new Promise<void>(() => signal.addEventListener('abort', () => (toldToGiveUp = true))),
    };
    const close = closeConsumer(recordingParts(closed, { consumer }), { timeoutMs: 100, log: recordingLog().log });
    const started = Date.now();
    await expect(close()).resolves.toBe(false);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(toldToGiveUp).toBe(true);
  });

  it('runs once and logs once however often it is called', async () => {
    const closed: string[] = [];
    const { log, lines } = recordingLog();
    const close = closeConsumer(recordingParts(closed), { timeoutMs: 1000, log });
    await Promise.all([close(), close()]);
    await close();
    expect(closed.filter((name) => name === 'consumer')).toHaveLength(1);
    expect(lines.filter((line) => line['msg'] === 'shutting down')).toHaveLength(1);
  });
});
