import { limitHeapGrowth } from '../src';

describe('limitHeapGrowth', () => {
  it('sets the flag unless the command line gave one', () => {
    expect(limitHeapGrowth(100, ['--enable-source-maps'])).toBe(true);
    expect(limitHeapGrowth(100, ['--heap-growing-percent=50'])).toBe(false);
    expect(limitHeapGrowth(100, ['--heap_growing_percent', '50'])).toBe(false);
  });

  it('refuses a percent that is not a positive integer', () => {
    expect(() => limitHeapGrowth(0)).toThrow('percent must be an integer of at least 1 (got 0)');
    expect(() => limitHeapGrowth(1.5)).toThrow(RangeError);
  });
});
