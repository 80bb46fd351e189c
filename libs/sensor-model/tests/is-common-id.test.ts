import { validateSync } from 'class-validator';
import {
  InvalidSensorReadingError,
  type ReadingProblem,
  MAX_ID_LENGTH,
  parseSensorReading,
  SensorReadingContentDto,
  SensorReadingDto,
} from '../src';
import { compileRules } from '../src/compile-rules';
import { isCommonId } from '../src/is-common-id';
import { seededRandom } from './seeded-random';

const content = { temperature_f: 90, time_of_measurement: '2019-06-24T15:00:00' };
const declared = compileRules(SensorReadingDto, { content: SensorReadingContentDto });
const withShortcut = compileRules(SensorReadingDto, { content: SensorReadingContentDto }, { id: isCommonId });

/** The constraints validateSync reports for the id, the reference: none for a valid id. */
function idConstraints(id: unknown): Record<string, string> | undefined {
  const dto = Object.assign(new SensorReadingDto(), { id, type: 'Sensor' });
  dto.content = Object.assign(new SensorReadingContentDto(), content);
  const errors = validateSync(dto, { forbidUnknownValues: false });
  return errors.length === 0 ? undefined : errors.find((e) => e.property === 'id')?.constraints;
}

const COMMON = '-.:_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Code units drawn from: the common alphabet, the rest of ASCII (controls, NUL, spaces, punctuation), other whitespace, letters beyond ASCII, surrogates. */
const ALPHABETS: ((next: () => number) => string)[] = [
  (next) => COMMON[Math.floor(next() * COMMON.length)],
  (next) => String.fromCharCode(Math.floor(next() * 128)),
  (next) => ['\u00a0', '\u2028', '\u3000', '\ufeff', '\t', '\n', '\r', ' '][Math.floor(next() * 8)],
  (next) => String.fromCharCode(0x80 + Math.floor(next() * (0xd800 - 0x80))),
  (next) => String.fromCharCode(0xd800 + Math.floor(next() * 0x800)),
  (next) => String.fromCodePoint(0x10000 + Math.floor(next() * 0x100000)),
];
const LENGTHS = [0, 1, 2, 8, 36, 64, 127, 128, 129, 200, 256, 257, 300];

/** Ids of mostly common characters with a few others mixed in, at lengths around the limit. */
function generatedIds(count: number): string[] {
  const next = seededRandom(17);
  const ids: string[] = [];
  for (let n = 0; n < count; n++) {
    const length = LENGTHS[Math.floor(next() * LENGTHS.length)];
    const foreign = next() < 0.5 ? 0 : next();
    let id = '';
    while (id.length < length) id += ALPHABETS[next() < foreign ? 1 + Math.floor(next() * 5) : 0](next);
    ids.push(id);
  }
  return ids;
}

const edgeCases: unknown[] = [
  '',
  'a',
  '38a3abd8-55f9-47c5-841a-94784ec64d60',
  'x'.repeat(MAX_ID_LENGTH),
  'x'.repeat(MAX_ID_LENGTH + 1),
  '🌡️'.repeat(MAX_ID_LENGTH / 2),
  '😀'.repeat(MAX_ID_LENGTH),
  '😀'.repeat(MAX_ID_LENGTH + 1),
  'é'.repeat(MAX_ID_LENGTH),
  'e\u0301',
  'a\u0000b',
  '\u0000',
  'abc\n',
  '\nabc',
  ' abc',
  'abc ',
  'a b',
  '\t',
  '\u00a0',
  '\u200b',
  '\ufeff',
  '\ud83d',
  '\ude00',
  'x\ud83d-x',
  '\ude00\ud83d',
  'a/b',
  'a+b',
  'sensor#1',
  "'); DROP TABLE sensor_readings; --",
  '\u007f',
  '\u0085',
  'İ',
  7,
  0,
  null,
  undefined,
  true,
  {},
  ['a'],
  new String('abc'),
  Symbol('id'),
  BigInt(1),
];

describe('isCommonId', () => {
  const ids = [...edgeCases, ...generatedIds(5_000)];
  const reference = ids.map(idConstraints);
  const validByRules = reference.map((constraints) => constraints === undefined);

  it('is tried on valid, invalid and common ids alike', () => {
    expect(validByRules.filter((valid) => valid).length).toBeGreaterThan(1_500);
    expect(validByRules.filter((valid) => !valid).length).toBeGreaterThan(1_500);
    expect(ids.filter(isCommonId).length).toBeGreaterThan(1_500);
  });

  it('accepts only ids the declared rules accept', () => {
    expect(ids.filter((id, i) => isCommonId(id) && !validByRules[i])).toEqual([]);
  });

  it('leaves the compiled check with the verdict of the declared rules', () => {
    const verdict = (check: typeof declared, id: unknown) => check?.({ id, type: 'Sensor', content });
    expect(ids.map((id) => verdict(withShortcut, id))).toEqual(validByRules);
    expect(ids.map((id) => verdict(declared, id))).toEqual(validByRules);
  });

  it("leaves parseSensorReading with the declared rules' verdict and error", () => {
    const differing = ids.filter((id, i) => {
      const constraints = reference[i];
      let problems: readonly ReadingProblem[];
      try {
        return parseSensorReading({ id, type: 'Sensor', content }).id !== id || constraints !== undefined;
      } catch (err) {
        if (!(err instanceof InvalidSensorReadingError) || constraints === undefined) return true;
        problems = err.problems;
      }
      const allowed = id === undefined ? ['is missing'] : Object.values(constraints);
      return !(
        problems.length === 1 &&
        problems[0].field === 'id' &&
        problems[0].value === id &&
        allowed.includes(problems[0].problem)
      );
    });
    expect(differing).toEqual([]);
  });
});
