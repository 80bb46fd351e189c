import { backoffDelay } from '../src';

describe('backoffDelay', () => {
  it('doubles from the initial delay', () => {
    const top = { random: () => 0.999999 };
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, { initialMs: 100, ...top }))).toEqual([100, 200, 400, 800]);
  });

  it('keeps at least half of the delay', () => {
    expect(backoffDelay(3, { initialMs: 100, random: () => 0 })).toBe(400);
  });

  it('never exceeds the cap', () => {
    expect(backoffDelay(50, { initialMs: 100, maxMs: 5000, random: () => 0.999999 })).toBe(5000);
  });

  it('spreads clients that retry together', () => {
    const delays = new Set(Array.from({ length: 20 }, () => backoffDelay(4)));
    expect(delays.size).toBeGreaterThan(1);
  });
});
