import pino from 'pino';
import { closePublisher, type PublisherParts } from '../src/publisher-lifecycle';

/** Parts that record when each is closed; `overrides` replace some of them. */
function recordingParts(closed: string[], overrides: Partial<PublisherParts> = {}): PublisherParts {
  const step = (name: string) => async () => void closed.push(name);
  return {
    stopProgress: () => void closed.push('progress log'),
    source: { close: step('source') },
    broker: { close: step('broker') },
    ops: { close: step('metrics endpoint') },
    ...overrides,
  };
}

const log = pino({ level: 'silent' });

describe('closePublisher', () => {
  it('stops the progress log, then closes the source, the broker and the metrics endpoint', async () => {
    const closed: string[] = [];
    await expect(closePublisher(recordingParts(closed), { timeoutMs: 1000, log })()).resolves.toBe(true);
    expect(closed).toEqual(['progress log', 'source', 'broker', 'metrics endpoint']);
  });

  it('ends within its timeout when the source never closes', async () => {
    const closed: string[] = [];
    const source = { close: () => new Promise<void>(() => undefined) };
    const started = Date.now();
    await expect(closePublisher(recordingParts(closed, { source }), { timeoutMs: 100, log })()).resolves.toBe(false);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(closed).toEqual(['progress log']);
  });

  it('attempts every step after one fails', async () => {
    const closed: string[] = [];
    const broker = { close: () => Promise.reject(new Error('socket gone')) };
    await expect(closePublisher(recordingParts(closed, { broker }), { timeoutMs: 1000, log })()).resolves.toBe(false);
    expect(closed).toEqual(['progress log', 'source', 'metrics endpoint']);
  });
});
