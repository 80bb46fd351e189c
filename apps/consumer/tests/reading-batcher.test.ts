import { ReadingBatcher } from '../src/reading-batcher';

function recordingBatcher(options: { maxSize: number; maxWaitMs: number; fail?: number }) {
  const batches: number[][] = [];
  let failures = options.fail ?? 0;
  const errors: number[] = [];
  const batcher = new ReadingBatcher<number>({
    maxSize: options.maxSize,
    maxWaitMs: options.maxWaitMs,
    backoff: { initialMs: 1, maxMs: 1 },
    onWriteError: (_, attempt) => errors.push(attempt),
    write: async (batch) => {
      if (failures-- > 0) throw new Error('database down');
      batches.push([...batch]);
    },
  });
  return { batcher, batches, errors };
}

describe('ReadingBatcher', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('writes a full batch at once', async () => {
    const { batcher, batches } = recordingBatcher({ maxSize: 3, maxWaitMs: 1000 });
    [1, 2, 3].forEach((n) => batcher.add(n));
    await jest.advanceTimersByTimeAsync(0);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('writes a lone item once it has waited the interval, not before', async () => {
    const { batcher, batches } = recordingBatcher({ maxSize: 100, maxWaitMs: 50 });
    batcher.add(1);
    await jest.advanceTimersByTimeAsync(49);
    expect(batches).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([[1]]);
  });

  it('splits what piled up into batches of at most maxSize', async () => {
    const { batcher, batches } = recordingBatcher({ maxSize: 2, maxWaitMs: 10 });
    [1, 2, 3, 4, 5].forEach((n) => batcher.add(n));
    await jest.advanceTimersByTimeAsync(10);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('holds a failed batch and retries it until it is written', async () => {
    const { batcher, batches, errors } = recordingBatcher({ maxSize: 2, maxWaitMs: 10, fail: 3 });
    [1, 2].forEach((n) => batcher.add(n));
    await jest.advanceTimersByTimeAsync(100);
    expect(errors).toEqual([0, 1, 2]);
    expect(batches).toEqual([[1, 2]]);
  });

  it('flush writes what is waiting without waiting the interval', async () => {
    const { batcher, batches } = recordingBatcher({ maxSize: 100, maxWaitMs: 60_000 });
    [1, 2].forEach((n) => batcher.add(n));
    await batcher.flush();
    expect(batches).toEqual([[1, 2]]);
    expect(batcher.size).toBe(0);
  });

  it('stops retrying once closed, leaving the batch unwritten', async () => {
    const { batcher, batches } = recordingBatcher({ maxSize: 1, maxWaitMs: 10, fail: 1000 });
    batcher.add(1);
    await jest.advanceTimersByTimeAsync(5);
    batcher.close();
    await jest.advanceTimersByTimeAsync(100);
    await batcher.flush();
    expect(batches).toEqual([]);
  });
});
