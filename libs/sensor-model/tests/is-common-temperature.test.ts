import { validateSync } from 'class-validator';
import { ABSOLUTE_ZERO_F, MAX_TEMPERATURE_F, SensorReadingContentDto, SensorReadingDto } from '../src';
import { compileRules } from '../src/compile-rules';
import { isCommonTemperature } from '../src/is-common-temperature';
import { seededRandom } from './seeded-random';

const reading = { id: 'r1', type: 'Sensor' };
const declared = compileRules(SensorReadingDto, { content: SensorReadingContentDto });
const withShortcut = compileRules(
  SensorReadingDto,
  { content: SensorReadingContentDto },
  { 'content.temperature_f': isCommonTemperature },
);

/** What validateSync says of a reading with this temperature, the reference. */
function validByRules(temperature: unknown): boolean {
  const dto = Object.assign(new SensorReadingDto(), reading);
  dto.content = Object.assign(new SensorReadingContentDto(), {
    temperature_f: temperature,
    time_of_measurement: '2019-06-24T15:00:00',
  });
  return validateSync(dto, { forbidUnknownValues: false }).length === 0;
}

/** Numbers around both bounds and across the doubles' whole range, by magnitude. */
function generatedTemperatures(count: number): number[] {
  const next = seededRandom(29);
  return Array.from({ length: count }, () => {
    const around = [ABSOLUTE_ZERO_F, MAX_TEMPERATURE_F, 0, 90][Math.floor(next() * 4)];
    const spread = 10 ** (Math.floor(next() * 40) - 20);
    return next() < 0.5 ? around + (next() - 0.5) * spread : (next() - 0.5) * 10 ** Math.floor(next() * 320);
  });
}

const edgeCases: unknown[] = [
  ABSOLUTE_ZERO_F,
  ABSOLUTE_ZERO_F - Number.EPSILON * 512,
  -459.68,
  MAX_TEMPERATURE_F,
  MAX_TEMPERATURE_F + 1e-7,
  MAX_TEMPERATURE_F + 1,
  0,
  -0,
  90,
  Number.MIN_VALUE,
  -Number.MAX_VALUE,
  Number.MAX_VALUE,
  NaN,
  Infinity,
  -Infinity,
  '90',
  '',
  null,
  undefined,
  true,
  {},
  [90],
  new Number(90),
  BigInt(90),
];

describe('isCommonTemperature', () => {
  const values = [...edgeCases, ...generatedTemperatures(5_000)];
  const reference = values.map(validByRules);

  it('is tried on valid and invalid temperatures alike', () => {
    expect(reference.filter((valid) => valid).length).toBeGreaterThan(1_000);
    expect(reference.filter((valid) => !valid).length).toBeGreaterThan(1_000);
  });

  it('accepts exactly the temperatures the declared rules accept', () => {
    expect(values.filter((value, i) => isCommonTemperature(value) !== reference[i])).toEqual([]);
  });

  it('leaves the compiled check with the verdict of the declared rules', () => {
    const verdict = (check: typeof declared, temperature: unknown) =>
      check?.({ ...reading, content: { temperature_f: temperature, time_of_measurement: '2019-06-24T15:00:00' } });
    expect(values.map((value) => verdict(withShortcut, value))).toEqual(reference);
    expect(values.map((value) => verdict(declared, value))).toEqual(reference);
  });
});
