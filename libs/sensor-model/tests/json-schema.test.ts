import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { MEASUREMENT_TIME_EXAMPLES, isMeasurementTimeProblem, parseMeasurementTime, parseSensorReading } from '../src';
import { MEASUREMENT_TIME_FORMAT, readingSchemas } from './reading-schemas';

const folder = join(__dirname, '../schemas');
const files = { reading: 'sensor-reading.schema.json', envelope: 'sensor-envelope.schema.json' };
const valid = { id: 'r1', type: 'Sensor', content: { temperature_f: 90, time_of_measurement: '2019-06-24T15:00:00' } };
const withContent = (content: Record<string, unknown>) => ({ ...valid, content: { ...valid.content, ...content } });

/** The bad-input battery of the model's tests, and a few good odd ones. */
const battery: [string, unknown][] = [
  ['valid', valid],
  ['null', null],
  ['an array', [valid]],
  ['a number', 42],
  ['a missing id', { ...valid, id: undefined }],
  ['an empty id', { ...valid, id: '' }],
  ['an id of 128 emoji', { ...valid, id: '🌡'.repeat(128) }],
  ['an id of 129 emoji', { ...valid, id: '🌡'.repeat(129) }],
  ['128 letters and U+FE0F', { ...valid, id: `${'d'.repeat(128)}\ufe0f` }],
  ['a numeric id', { ...valid, id: 7 }],
  ['an id with NUL', { ...valid, id: 'a\u0000b' }],
  ['an id with a lone surrogate', { ...valid, id: '\ud83d-x' }],
  ['another type', { ...valid, type: 'Thermostat' }],
  ['missing content', { ...valid, content: undefined }],
  ['content as an array', { ...valid, content: [] }],
  ['temperature as a string', withContent({ temperature_f: '90' })],
  ['below absolute zero', withContent({ temperature_f: -500 })],
  ['absolute zero', withContent({ temperature_f: -459.67 })],
  ['above 1e9 °F', withContent({ temperature_f: 1.7e308 })],
  ['a missing time', withContent({ time_of_measurement: undefined })],
  ['a numeric time', withContent({ time_of_measurement: 1561388400 })],
  ['an unknown field of content', withContent({ humidity_pct: 41 })],
  ['a top-level unknown field', { ...valid, humidity_pct: 41 }],
  ['an unknown field of every JSON type', withContent({ a: [1, -0, 'x', true, null, { b: '🌡' }], temperature_c: 32 })],
  ['an unknown field with NUL', withContent({ note: 'a\u0000b' })],
  ['an unknown field with a lone surrogate', withContent({ note: '\ud800' })],
  ['a nested unknown field with NUL', withContent({ a: { b: ['x\u0000'] } })],
  ['an unknown field named with NUL', withContent({ 'a\u0000b': 1 })],
  ['a nested field named with a lone surrogate', withContent({ a: [{ '\udc00': 1 }] })],
];

function ajvWithFormat(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat(MEASUREMENT_TIME_FORMAT, (text: string) => !isMeasurementTimeProblem(parseMeasurementTime(text)));
  return ajv;
}

function validatorAccepts(input: unknown): boolean {
  try {
    parseSensorReading(input);
    return true;
  } catch {
    return false;
  }
}

describe('the JSON Schemas in schemas/', () => {
  it('are what the class-validator rules give (UPDATE_SCHEMAS=1 rewrites them)', () => {
    const schemas = readingSchemas();
    for (const [name, file] of Object.entries(files)) {
      const text = `${JSON.stringify(schemas[name as keyof typeof files], null, 2)}\n`;
      if (process.env['UPDATE_SCHEMAS'] === '1') writeFileSync(join(folder, file), text);
      expect(readFileSync(join(folder, file), 'utf8')).toBe(text);
    }
  });

  let reading: object;
  let validate: (input: unknown) => boolean;
  beforeAll(() => {
    reading = JSON.parse(readFileSync(join(folder, files.reading), 'utf8')) as object;
    validate = ajvWithFormat().compile(reading);
  });

  it.each(battery)('agrees with parseSensorReading on %s', (_, input) => {
    expect(validate(input)).toBe(validatorAccepts(input));
  });

  it.each(MEASUREMENT_TIME_EXAMPLES)('agrees with parseSensorReading on time $text', ({ text }) => {
    const input = withContent({ time_of_measurement: text });
    expect(validate(input)).toBe(validatorAccepts(input));
  });

  it('states the shape of a time without the format: a producer without it still refuses other forms', () => {
    const shapeOnly = new Ajv({ strict: false, validateFormats: false }).compile(reading);
    for (const { text, refusedBecause } of MEASUREMENT_TIME_EXAMPLES) {
      if (refusedBecause && /form|week|ordinal|number|time zone|without a time|RFC/.test(refusedBecause)) {
        expect({ text, valid: shapeOnly(withContent({ time_of_measurement: text })) }).toEqual({ text, valid: false });
      }
    }
  });

  it('validates an envelope of readings', () => {
    const envelope = JSON.parse(readFileSync(join(folder, files.envelope), 'utf8')) as object;
    const check = ajvWithFormat().addSchema(reading).compile(envelope);
    expect(check({ readings: [valid] })).toBe(true);
    expect(check({ readings: [] })).toBe(false);
    expect(check({ readings: [{ ...valid, id: '' }] })).toBe(false);
  });
});
