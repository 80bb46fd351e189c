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

  it('throws at once a failure that isPermanent recognises', async () => {
    let calls = 0;
    const attempt = retry(
      async () => {
        calls++;
        throw new Error('password refused');
      },
      { ...fast, isPermanent: (err) => (err as Error).message === 'password refused' },
    );
    await expect(attempt).rejects.toThrow('password refused');
    expect(calls).toBe(1);
  });
});
