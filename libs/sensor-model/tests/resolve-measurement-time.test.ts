import { resolveMeasurementTime } from '../src';

describe('resolveMeasurementTime', () => {
  it('takes a time without an offset as UTC', () => {
    expect(resolveMeasurementTime('2019-06-24T15:00:00')).toBe('2019-06-24T15:00:00Z');
    expect(resolveMeasurementTime('2019-06-24T15:00:00.5')).toBe('2019-06-24T15:00:00.5Z');
  });

  it('keeps an explicit offset', () => {
    for (const time of [
      '2019-06-24T15:00:00Z',
      '2019-06-24T15:00:00+02:00',
      '2019-06-24T15:00-0530',
      '2019-06-24T15:00:00+01',
    ]) {
      expect(resolveMeasurementTime(time)).toBe(time);
    }
  });
});
