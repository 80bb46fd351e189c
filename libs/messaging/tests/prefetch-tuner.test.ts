import { PrefetchTuner } from '../src/prefetch-tuner';

function tuner(initialItemsPerMessage = 100) {
  const applied: number[] = [];
  const tuned = new PrefetchTuner({
    items: 5000,
    maxMessages: 2000,
    initialItemsPerMessage,
    apply: (prefetch) => applied.push(prefetch),
  });
  return { tuned, applied };
}

describe('PrefetchTuner', () => {
  it('starts from the readings per message it assumes', () => {
    expect(tuner(100).tuned.prefetch).toBe(50);
    expect(tuner(1).tuned.prefetch).toBe(2000);
  });

  it('grows to the message cap for single readings, in a few doublings', () => {
    const { tuned, applied } = tuner();
    for (let i = 0; i < 200; i++) tuned.observe(1);
    expect(tuned.prefetch).toBe(2000);
    expect(applied.at(-1)).toBe(2000);
    expect(applied.length).toBeLessThanOrEqual(8);
    expect(applied).toEqual([...applied].sort((a, b) => a - b));
  });

  it('shrinks for large envelopes, so the readings held stay about the same', () => {
    const { tuned } = tuner();
    for (let i = 0; i < 200; i++) tuned.observe(1000);
    expect(tuned.prefetch).toBeLessThanOrEqual(10);
    expect(tuned.prefetch).toBeGreaterThanOrEqual(5);
  });

  it('leaves a steady stream alone', () => {
    const { tuned, applied } = tuner(100);
    for (let i = 0; i < 500; i++) tuned.observe(i % 2 === 0 ? 80 : 120);
    expect(applied).toEqual([]);
    expect(tuned.prefetch).toBe(50);
  });
});
