import { Batcher } from '../src/batcher';

function recordingBatcher(options: { maxSize: number; lingerMs: number; fail?: number }) {
  const batches: number[][] = [];
  let failures = options.fail ?? 0;
  const errors: number[] = [];
  const batcher = new Batcher<number>({
    maxSize: options.maxSize,
    lingerMs: options.lingerMs,
    backoff: { initialMs: 1, maxMs: 1 },
    onWriteError: (_, attempt) => errors.push(attempt),
    write: async (batch) => {
      if (failures-- > 0) throw new Error('database down');
      batches.push([...batch]);
    },
  });
  return { batcher, batches, errors };
}

describe('Batcher', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('writes a full batch at once', async () => {
    const { batcher, batches } = recordingBatcher({ maxSize: 3, lingerMs: 1000 });
    [1, 2, 3].forEach((n) => batcher.add(n));
    await jest.advanceTimersByTimeAsync(0);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('writes a lone item once it has waited the interval, not before', async () => {
    const { batcher, batches } = recordingBatcher({ maxSize: 100, lingerMs: 50 });
    batcher.add(1);
    await jest.advanceTimersByTimeAsync(49);
    expect(batches).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([[1]]);
  });

  it('splits what piled up into batches of at most maxSize', async () => {
    const { batcher, batches } = recordingBatcher({ maxSize: 2, lingerMs: 10 });
    [1, 2, 3, 4, 5].forEach((n) => batcher.add(n));
    await jest.advanceTimersByTimeAsync(10);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('holds a failed batch and retries it until it is written', async () => {
    const { batcher, batches, errors } = recordingBatcher({ maxSize: 2, lingerMs: 10, fail: 3 });
    [1, 2].forEach((n) => batcher.add(n));
    await jest.advanceTimersByTimeAsync(100);
    expect(errors).toEqual([0, 1, 2]);
    expect(batches).toEqual([[1, 2]]);
  });

  it('flush writes what is waiting without waiting the interval', async () => {
    const { batcher, batches } = recordingBatcher({ maxSize: 100, lingerMs: 60_000 });
    [1, 2].forEach((n) => batcher.add(n));
    await batcher.flush();
    expect(batches).toEqual([[1, 2]]);
    expect(batcher.size).toBe(0);
  });

  it('keeps up to `concurrency` writes in flight, never more, while the rest waits its turn', async () => {
    const started: number[][] = [];
    const finish: (() => void)[] = [];
    const batcher = new Batcher<number>({
      maxSize: 2,
      lingerMs: 10,
      concurrency: 2,
      write: (batch) => {
        started.push([...batch]);
        return new Promise<void>((resolve) => finish.push(resolve));
      },
    });
    [1, 2, 3, 4, 5, 6].forEach((n) => batcher.add(n));
    await jest.advanceTimersByTimeAsync(100);
    expect(started).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(batcher.writing).toBe(2);
    finish[1]();
    await jest.advanceTimersByTimeAsync(0);
    expect(started).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(batcher.writing).toBe(2);
    finish[0]();
    finish[2]();
    await jest.advanceTimersByTimeAsync(0);
    expect(batcher.writing).toBe(0);
  });

  it('writes a partial batch at once when starved, instead of waiting the interval', async () => {
    let starved = false;
    const batches: number[][] = [];
    const batcher = new Batcher<number>({
      maxSize: 100,
      lingerMs: 60_000,
      starved: () => starved,
      write: async (batch) => void batches.push([...batch]),
    });
    batcher.add(1);
    await jest.advanceTimersByTimeAsync(1000);
    expect(batches).toEqual([]);
    starved = true;
    batcher.add(2);
    await jest.advanceTimersByTimeAsync(0);
    expect(batches).toEqual([[1, 2]]);
  });

  it('writes an item that aged while every writer was busy as soon as one is free', async () => {
    const written: number[][] = [];
    let finish = (): void => undefined;
    const batcher = new Batcher<number>({
      maxSize: 10,
      lingerMs: 50,
      write: (batch) => {
        written.push([...batch]);
        return written.length === 1 ? new Promise<void>((resolve) => (finish = resolve)) : Promise.resolve();
      },
    });
    batcher.add(1);
    await jest.advanceTimersByTimeAsync(50);
    batcher.add(2);
    await jest.advanceTimersByTimeAsync(200);
    expect(written).toEqual([[1]]);
    finish();
    await jest.advanceTimersByTimeAsync(0);
    expect(written).toEqual([[1], [2]]);
  });

  it('lets an item that piled up behind a busy writer linger from when it was added, not from when a batch left it first', async () => {
    const written: number[][] = [];
    let finish = (): void => undefined;
    const batcher = new Batcher<number>({
      maxSize: 2,
      lingerMs: 50,
      write: (batch) => {
        written.push([...batch]);
        return written.length === 1 ? new Promise<void>((resolve) => (finish = resolve)) : Promise.resolve();
      },
    });
    [1, 2, 3, 4, 5].forEach((n) => batcher.add(n));
    await jest.advanceTimersByTimeAsync(40);
    finish();
    await jest.advanceTimersByTimeAsync(9);
    expect(written).toEqual([
      [1, 2],
      [3, 4],
    ]);
    await jest.advanceTimersByTimeAsync(1);
    expect(written).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('flush waits for every write in flight, failed ones retried, with two writers', async () => {
    const written: number[][] = [];
    let failures = 2;
    const batcher = new Batcher<number>({
      maxSize: 2,
      lingerMs: 60_000,
      concurrency: 2,
      backoff: { initialMs: 5, maxMs: 5 },
      write: async (batch) => {
        if (batch[0] === 1 && failures-- > 0) throw new Error('database down');
        written.push([...batch]);
      },
    });
    [1, 2, 3, 4, 5].forEach((n) => batcher.add(n));
    const flushed = batcher.flush();
    await jest.advanceTimersByTimeAsync(100);
    await flushed;
    expect(written.sort((a, b) => a[0] - b[0])).toEqual([[1, 2], [3, 4], [5]]);
    expect([batcher.size, batcher.writing]).toEqual([0, 0]);
  });

  it('says when a batch has left the waiting items, so that more can be read', async () => {
    let rooms = 0;
    const batcher = new Batcher<number>({
      maxSize: 2,
      lingerMs: 10,
      concurrency: 2,
      onRoom: () => rooms++,
      write: () => new Promise<void>(() => undefined),
    });
    [1, 2, 3].forEach((n) => batcher.add(n));
    await jest.advanceTimersByTimeAsync(0);
    expect([rooms, batcher.size]).toEqual([1, 1]);
    await jest.advanceTimersByTimeAsync(10);
    expect([rooms, batcher.size]).toEqual([2, 0]);
  });

  it('stops retrying once closed, leaving the batch unwritten', async () => {
    const { batcher, batches } = recordingBatcher({ maxSize: 1, lingerMs: 10, fail: 1000 });
    batcher.add(1);
    await jest.advanceTimersByTimeAsync(5);
    batcher.close();
    await jest.advanceTimersByTimeAsync(100);
    await batcher.flush();
    expect(batches).toEqual([]);
  });

  it('ends a batch before the item that would take it past maxBytes', async () => {
    const written: string[][] = [];
    const batcher = new Batcher<string>({
      maxSize: 100,
      lingerMs: 10,
      maxBytes: 6,
      bytesOf: (item) => item.length,
      write: async (batch) => void written.push([...batch]),
    });
    ['ab', 'cd', 'ef', 'g'].forEach((item) => batcher.add(item));
    await jest.advanceTimersByTimeAsync(0);
    expect(written).toEqual([['ab', 'cd', 'ef']]);
    ['hijkl', 'm'].forEach((item) => batcher.add(item));
    await jest.advanceTimersByTimeAsync(0);
    expect(written).toEqual([
      ['ab', 'cd', 'ef'],
      ['g', 'hijkl'],
    ]);
    await jest.advanceTimersByTimeAsync(10);
    expect(written).toEqual([['ab', 'cd', 'ef'], ['g', 'hijkl'], ['m']]);
  });

  it('writes an item heavier than maxBytes as a batch of its own, at once', async () => {
    const written: string[][] = [];
    const batcher = new Batcher<string>({
      maxSize: 100,
      lingerMs: 10,
      maxBytes: 3,
      bytesOf: (item) => item.length,
      write: async (batch) => void written.push([...batch]),
    });
    batcher.add('a');
    batcher.add('bcdef');
    await jest.advanceTimersByTimeAsync(0);
    expect(written).toEqual([['a'], ['bcdef']]);
  });

  it('cuts what piled up behind busy writers by size and bytes alike', async () => {
    const started: string[][] = [];
    const finish: (() => void)[] = [];
    const batcher = new Batcher<string>({
      maxSize: 3,
      lingerMs: 10,
      maxBytes: 4,
      bytesOf: (item) => item.length,
      write: (batch) => {
        started.push([...batch]);
        return new Promise<void>((resolve) => finish.push(resolve));
      },
    });
    ['a', 'b', 'c', 'd', 'efg', 'hi', 'j', 'k', 'l', 'm'].forEach((item) => batcher.add(item));
    for (let i = 0; i < 5; i++) {
      finish[i]?.();
      await jest.advanceTimersByTimeAsync(10);
    }
    expect(started).toEqual([
      ['a', 'b', 'c'],
      ['d', 'efg'],
      ['hi', 'j', 'k'],
      ['l', 'm'],
    ]);
  });

  it('hands each batch the companions of its items, index for index', async () => {
    const written: [number[], string[]][] = [];
    const batcher = new Batcher<number, string>({
      maxSize: 2,
      lingerMs: 10,
      write: async (batch, companions) => void written.push([[...batch], [...companions]]),
    });
    [1, 2, 3].forEach((n) => batcher.add(n, `#${n}`));
    await batcher.flush();
    expect(written).toEqual([
      [
        [1, 2],
        ['#1', '#2'],
      ],
      [[3], ['#3']],
    ]);
  });

  it('writes every due batch at once when concurrency is Infinity', async () => {
    const started: number[][] = [];
    const batcher = new Batcher<number>({
      maxSize: 2,
      lingerMs: 10,
      concurrency: Infinity,
      write: (batch) => {
        started.push([...batch]);
        return new Promise<void>(() => undefined);
      },
    });
    [1, 2, 3, 4, 5, 6].forEach((n) => batcher.add(n));
    expect(started).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(batcher.writing).toBe(3);
  });

  it('refuses a concurrency below 1 or not whole, and a byte limit without weights', () => {
    const write = async () => undefined;
    expect(() => new Batcher({ maxSize: 1, lingerMs: 1, concurrency: 0, write })).toThrow(RangeError);
    expect(() => new Batcher({ maxSize: 1, lingerMs: 1, concurrency: 1.5, write })).toThrow(/concurrency/);
    expect(() => new Batcher({ maxSize: 1, lingerMs: 1, maxBytes: 10, write })).toThrow(/bytesOf/);
  });
});
