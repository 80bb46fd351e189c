import { createShutdown } from '../src';

describe('createShutdown', () => {
  it('runs the steps in order', async () => {
    const order: string[] = [];
    const shutdown = createShutdown({
      timeoutMs: 1000,
      steps: ['a', 'b', 'c'].map((name) => ({ name, run: async () => void order.push(name) })),
    });
    await expect(shutdown()).resolves.toBe(true);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('attempts every step after one fails and reports it', async () => {
    const ran: string[] = [];
    const errors: string[] = [];
    const shutdown = createShutdown({
      timeoutMs: 1000,
      onStepError: (step) => errors.push(step),
      steps: [
        {
          name: 'a',
          run: () => {
            throw new Error('boom');
          },
        },
        { name: 'b', run: () => void ran.push('b') },
      ],
    });
    await expect(shutdown()).resolves.toBe(false);
    expect(ran).toEqual(['b']);
    expect(errors).toEqual(['a']);
  });

  it('runs only once however often it is called', async () => {
    let runs = 0;
    const shutdown = createShutdown({ timeoutMs: 1000, steps: [{ name: 'a', run: () => void runs++ }] });
    await Promise.all([shutdown(), shutdown()]);
    await shutdown();
    expect(runs).toBe(1);
  });

  it("aborts a hanging step's signal at the deadline", async () => {
    let aborted = false;
    const shutdown = createShutdown({
      timeoutMs: 50,
      steps: [
        {
          name: 'hang',
          run: (signal) => new Promise<void>(() => signal.addEventListener('abort', () => (aborted = true))),
        },
      ],
    });
    await expect(shutdown()).resolves.toBe(false);
    expect(aborted).toBe(true);
  });

  it('gives up on a step that hangs and skips what is past the deadline', async () => {
    const errors: string[] = [];
    const shutdown = createShutdown({
      timeoutMs: 50,
      onStepError: (step, err) => errors.push(`${step}: ${(err as Error).message}`),
      steps: [
        { name: 'hang', run: () => new Promise<void>(() => undefined) },
        { name: 'late', run: () => undefined },
      ],
    });
    await expect(shutdown()).resolves.toBe(false);
    expect(errors).toEqual([
      expect.stringMatching(/^hang: did not finish within/),
      expect.stringMatching(/^late: skipped/),
    ]);
  });
});
