import { MEASUREMENT_TIME_EXAMPLES, isMeasurementTimeProblem, parseMeasurementTime } from '../src';

describe('parseMeasurementTime', () => {
  const accepted = MEASUREMENT_TIME_EXAMPLES.filter((e) => e.measuredAt !== undefined);
  const refused = MEASUREMENT_TIME_EXAMPLES.filter((e) => e.measuredAt === undefined);

  it.each(accepted)('reads $text as $measuredAt ($note)', ({ text, measuredAt }) => {
    const time = parseMeasurementTime(text);
    expect(time).toEqual({ measuredAt, epochMs: Date.parse(measuredAt as string) });
  });

  it.each(refused)('refuses $text ($note)', ({ text, refusedBecause }) => {
    const time = parseMeasurementTime(text);
    expect(isMeasurementTimeProblem(time)).toBe(true);
    expect(time).toEqual({ problem: expect.stringContaining(refusedBecause ?? '') });
  });

  it('gives the epoch milliseconds of the instant, the microseconds dropped', () => {
    expect(parseMeasurementTime('1970-01-01T00:00:00.0019999Z')).toEqual({
      measuredAt: '1970-01-01T00:00:00.001999Z',
      epochMs: 1,
    });
  });
});
