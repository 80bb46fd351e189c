import { retry } from '../src';

const fast = { backoff: { initialMs: 1, maxMs: 2 } };

describe('retry', () => {
  it('returns the first success after failures, reporting each failure', async () => {
    const failures: number[] = [];
    let calls = 0;
    const result = await retry(
      async () => {
        if (++calls < 3) throw new Error(`fail ${calls}`);
        return 'ok';
      },
      { ...fast, onError: (_, attempt) => failures.push(attempt) },
    );
    expect(result).toBe('ok');
    expect(failures).toEqual([0, 1]);
  });

  it('throws an error not worth retrying at once', async () => {
    let calls = 0;
    const attempt = retry(
      async () => {
        calls++;
        throw new TypeError('password authentication failed');
      },
      { ...fast, retryIf: (err) => !(err instanceof TypeError) },
    );
    await expect(attempt).rejects.toThrow('password authentication failed');
    expect(calls).toBe(1);
  });

  it('throws the last error once the retries run out', async () => {
    let calls = 0;
    const attempt = retry(
      async () => {
        throw new Error(`fail ${++calls}`);
      },
      { ...fast, maxRetries: 2 },
    );
    await expect(attempt).rejects.toThrow('fail 3');
  });

  it('throws the last error once the signal aborts', async () => {
    const controller = new AbortController();
    const attempt = retry(
      async () => {
        throw new Error('still down');
      },
      { ...fast, signal: controller.signal, onError: () => controller.abort() },
    );
    await expect(attempt).rejects.toThrow('still down');
  });

  it('cuts a long wait short when the signal aborts', async () => {
    const controller = new AbortController();
    let calls = 0;
    const attempt = retry(
      async () => {
        calls++;
        throw new Error('still down');
      },
      {
        backoff: { initialMs: 600_000, maxMs: 600_000 },
        signal: controller.signal,
        onError: () => setImmediate(() => controller.abort()),
      },
    );
    // Jest's own timeout is far below the 5 min the wait would take at least.
    await expect(attempt).rejects.toThrow('still down');
    expect(calls).toBe(1);
  });

  it('lets an attempt under way finish when the signal aborts', async () => {
    const controller = new AbortController();
    const result = await retry(
      async () => {
        controller.abort();
        await new Promise((resolve) => setImmediate(resolve));
        return 'written';
      },
      { ...fast, signal: controller.signal },
    );
    expect(result).toBe('written');
  });
});
