import { blockedRunRate } from '../src/check-blocked';

describe('blockedRunRate', () => {
  it('paces the readings to last the block and 20 s more', () => {
    expect(blockedRunRate(200_000, 30)).toBe(4000);
  });

  it('sends at least 1,000 readings a second', () => {
    expect(blockedRunRate(10_000, 30)).toBe(1000);
  });
});
