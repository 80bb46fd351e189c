import { IsString, ValidateIf, validateSync } from 'class-validator';
import { SensorReadingContentDto, SensorReadingDto } from '../src';
import { compileRules } from '../src/compile-rules';

const valid = {
  id: 'c0ffee-42',
  type: 'Sensor',
  content: { temperature_f: 90, time_of_measurement: '2019-06-24T15:00:00' },
};

function withContent(content: Record<string, unknown>): Record<string, unknown> {
  return { ...valid, content: { ...valid.content, ...content } };
}

/** What validateSync says of the same object, the reference the compiled check must agree with. */
function validBySlowPath(object: Record<string, unknown>): boolean {
  const dto = Object.assign(new SensorReadingDto(), object);
  const content = object['content'];
  if (typeof content === 'object' && content !== null && !Array.isArray(content)) {
    dto.content = Object.assign(new SensorReadingContentDto(), content);
  }
  return validateSync(dto, { forbidUnknownValues: false }).length === 0;
}

const cases: Record<string, unknown>[] = [
  valid,
  { ...valid, id: '' },
  { ...valid, id: 'x'.repeat(128) },
  { ...valid, id: 'x'.repeat(129) },
  { ...valid, id: 7 },
  { ...valid, id: undefined },
  { ...valid, id: 'a\u0000b' },
  { ...valid, id: '\ud83d-x' },
  { ...valid, id: `'); DROP TABLE sensor_readings; -- 🌡️` },
  { ...valid, type: 'Thermostat' },
  { ...valid, content: undefined },
  { ...valid, content: 'hot' },
  { ...valid, content: [valid.content] },
  withContent({ temperature_f: '90' }),
  withContent({ temperature_f: NaN }),
  withContent({ temperature_f: Infinity }),
  withContent({ temperature_f: -459.67 }),
  withContent({ temperature_f: -459.68 }),
  withContent({ temperature_f: 1e9 }),
  withContent({ temperature_f: 1.7e308 }),
  withContent({ time_of_measurement: 'yesterday' }),
  withContent({ time_of_measurement: '2019-02-30T10:00:00' }),
  withContent({ time_of_measurement: '2020-02-29T10:00:00.123456Z' }),
  withContent({ time_of_measurement: '2019-06-24T15:00:00+16:00' }),
  withContent({ time_of_measurement: '2019-06-24T15:00:00+05:30' }),
  withContent({ time_of_measurement: 20190624 }),
];

describe('compileRules', () => {
  const check = compileRules(SensorReadingDto, { content: SensorReadingContentDto });

  it('compiles the reading rules', () => {
    expect(check).toBeDefined();
  });

  it.each(cases.map((object, index) => [index, object]))('agrees with validateSync on case %i', (_, object) => {
    expect(check?.(object)).toBe(validBySlowPath(object));
  });

  it('gives the same verdicts when values repeat, as readings of one moment do', () => {
    const repeated = cases.flatMap((object) => [object, object, valid, object]);
    expect(repeated.map((object) => check?.(object))).toEqual(repeated.map(validBySlowPath));
  });

  it('accepts the valid reading and rejects a broken one', () => {
    expect(check?.(valid)).toBe(true);
    expect(check?.({ ...valid, type: 'Thermostat' })).toBe(false);
  });

  it('declines rules it cannot run, so the caller keeps validateSync', () => {
    class Conditional {
      @ValidateIf(() => true)
      @IsString()
      name!: string;
    }
    expect(compileRules(Conditional)).toBeUndefined();
  });

  it('declines a nested rule whose class it was not told', () => {
    expect(compileRules(SensorReadingDto)).toBeUndefined();
  });
});
