import {
  MEASUREMENT_TIME_EXAMPLES,
  isMeasurementTimeProblem,
  parseMeasurementTime,
  type MeasurementTime,
  type MeasurementTimeProblem,
} from '../src';
import { readAnyTime, readCommonTime } from '../src/measurement-time';
import { seededRandom } from './seeded-random';

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

/** Texts near the forms producers send: mostly valid parts, some drawn from their edge cases, some damaged. */
function generatedTimes(count: number, seed: number): string[] {
  const random = seededRandom(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)];
  const pad = (value: number, width: number) => String(value).padStart(width, '0');
  const part = (valid: () => string, edges: readonly string[]) => (random() < 0.85 ? valid() : pick(edges));
  const year = () =>
    part(() => pad(1 + Math.floor(random() * 9999), 4), ['0000', '0001', '1969', '1970', '2000', '2100', '9999']);
  const month = () => part(() => pad(1 + Math.floor(random() * 12), 2), ['00', '02', '12', '13', '1a']);
  const day = () => part(() => pad(1 + Math.floor(random() * 28), 2), ['00', '28', '29', '30', '31', '32']);
  const hour = () => part(() => pad(Math.floor(random() * 24), 2), ['00', '23', '24', '25']);
  const sixty = () => part(() => pad(Math.floor(random() * 60), 2), ['00', '59', '60', '61', '99']);
  const fraction = () =>
    part(
      () => (random() < 0.5 ? '' : `.${pad(Math.floor(random() * 1000), 1 + Math.floor(random() * 9))}`),
      ['.', ',5', '.0', '.000', '.120', '.000001', '.9999999', '.123456789', '.100000', '.000500'],
    );
  const zone = () =>
    part(
      () =>
        pick([
          '',
          'Z',
          'z',
          '+00:00',
          '-00:00',
          `+${pad(Math.floor(random() * 24), 2)}:${pad(Math.floor(random() * 60), 2)}`,
        ]),
      ['+23:59', '-23:59', '+24:00', '+05', '-0130', '+5:30', '+05:60', 'Z ', ' UTC', '+05:30Z'],
    );
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    const seconds = random() < 0.95 ? `:${sixty()}${fraction()}` : '';
    const separator = part(() => 'T', ['t', ' ', '_']);
    let text = `${year()}-${month()}-${day()}${separator}${hour()}:${sixty()}${seconds}${zone()}`;
    if (random() < 0.1) {
      // A character replaced, removed or added somewhere.
      const at = Math.floor(random() * (text.length + 1));
      const character = pick([...'0123456789-:.,+TZ tz\u0660']);
      text = pick([
        text.slice(0, at) + character + text.slice(at + 1),
        text.slice(0, at) + text.slice(at + 1),
        text.slice(0, at) + character + text.slice(at),
      ]);
    }
    texts.push(text);
  }
  return texts;
}

/** The first and last instants stored, the calendar's edges, and the forms around them. */
const EDGE_TIMES = [
  ...MEASUREMENT_TIME_EXAMPLES.map((e) => e.text),
  '0001-01-01T00:00:00Z',
  '0001-01-01T00:00:00+00:01',
  '0001-01-01T00:00:00-00:01',
  '9999-12-31T23:59:59.999999Z',
  '9999-12-31T23:59:59.999999-00:01',
  '9999-12-31T23:59:59.9999999999999999999+00:01',
  '1969-12-31T23:59:59.999Z',
  '1970-01-01T00:00:00.000Z',
  '1900-02-29T00:00:00Z',
  '2000-02-29T00:00:00Z',
  '2100-02-29T00:00:00Z',
  '2400-02-29T00:00:00Z',
  '2019-06-24T15:00:00.',
  '2019-06-24T15:00:00.Z',
  '2019-06-24T15:00:00.123',
  '2019-06-24T15:00:00.123Z',
  '2019-06-24T15:00:00,123Z',
  '2019-06-24T15:00:00.120',
  '2019-06-24T15:00:00.1200000Z',
  '2019-06-24T15:00:00.000001',
  '2019-06-24T15:00:00.0000001',
  '2019-06-24t15:00:00.5z',
  '2019-06-24 15:00:00.5',
  '2019-06-24T15:00:00+00:00',
  '2019-06-24T15:00:00.5-00:00',
  '2019-06-24T00:00:00+01:00',
  '2019-01-01T00:00:00.25+00:01',
  '2019-06-24T15:00:00\n',
  '2019-06-24T15:00:00Z\n',
  '\u0662019-06-24T15:00:00Z',
  '2019-06-24T15:00:00+05:30:00',
  '+2019-06-24T15:00:00Z',
  '2019-06-24T15:00:00 ',
  '',
];

/** Whether two readings of a text are the same instant in the same form, or the same problem. */
function sameReading(
  a: MeasurementTime | MeasurementTimeProblem | undefined,
  b: MeasurementTime | MeasurementTimeProblem,
) {
  if (a === undefined) return false;
  if (isMeasurementTimeProblem(a) || isMeasurementTimeProblem(b)) {
    return isMeasurementTimeProblem(a) && isMeasurementTimeProblem(b) && a.problem === b.problem;
  }
  return a.measuredAt === b.measuredAt && Object.is(a.epochMs, b.epochMs) && Object.keys(a).length === 2;
}

describe('readCommonTime', () => {
  it('reads the generator’s form and RFC 3339’s with Z or ±hh:mm', () => {
    for (const text of ['2019-06-24T15:00:00.123', '2019-06-24T15:00:00Z', '2019-06-24T15:00:00.5+05:30']) {
      expect(readCommonTime(text)).toEqual(readAnyTime(text));
    }
  });

  it('gives what readAnyTime gives for every edge-case text it reads', () => {
    const read = EDGE_TIMES.filter((text) => readCommonTime(text) !== undefined);
    expect(read.filter((text) => !sameReading(readCommonTime(text), readAnyTime(text)))).toEqual([]);
    expect(read.length).toBeGreaterThan(30);
  });

  it('gives what readAnyTime gives for every generated text it reads, and reads most valid ones', () => {
    const texts = generatedTimes(20_000, 17);
    const valid = texts.filter((text) => !isMeasurementTimeProblem(readAnyTime(text)));
    const read = texts.filter((text) => readCommonTime(text) !== undefined);
    expect(read.filter((text) => !sameReading(readCommonTime(text), readAnyTime(text)))).toEqual([]);
    expect(valid.length).toBeGreaterThan(5_000);
    expect(read.length).toBeGreaterThan(valid.length / 2);
  });
});

describe('parseMeasurementTime', () => {
  it('gives what readAnyTime gives, instant or problem, on generated and edge-case texts', () => {
    const texts = [...EDGE_TIMES, ...generatedTimes(20_000, 23)];
    expect(texts.filter((text) => !sameReading(parseMeasurementTime(text), readAnyTime(text)))).toEqual([]);
  });
});
