import { InvalidSensorReadingError, parseSensorReading, type ReadingProblem } from '../src';

const valid = {
  id: 'c0ffee-42',
  type: 'Sensor',
  content: { temperature_f: 90, time_of_measurement: '2019-06-24T15:00:00' },
};

function withContent(content: Record<string, unknown>): unknown {
  return { ...valid, content: { ...valid.content, ...content } };
}

function problemsOf(input: unknown): ReadingProblem[] {
  try {
    parseSensorReading(input);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidSensorReadingError);
    return [...(err as InvalidSensorReadingError).problems];
  }
  throw new Error('expected the input to be rejected');
}

describe('parseSensorReading', () => {
  it('returns the reading from an object', () => {
    expect(parseSensorReading(valid)).toEqual(valid);
  });

  it('parses a JSON string and a Buffer', () => {
    expect(parseSensorReading(JSON.stringify(valid))).toEqual(valid);
    expect(parseSensorReading(Buffer.from(JSON.stringify(valid)))).toEqual(valid);
  });

  it('drops fields that are not part of a reading', () => {
    const reading = parseSensorReading({
      ...valid,
      extra: true,
      content: { ...valid.content, temperature_c: 1, note: 'x' },
    });
    expect(reading).toEqual(valid);
  });

  it('accepts offsets, fractions and odd but valid ids', () => {
    for (const time of ['2019-06-24T15:00:00Z', '2019-06-24T15:00:00.123456+02:00', '2020-02-29T00:00']) {
      expect(parseSensorReading(withContent({ time_of_measurement: time })).content.time_of_measurement).toBe(time);
    }
    const id = `'); DROP TABLE sensor_readings; -- "quoted" ünï 🌡️`;
    expect(parseSensorReading({ ...valid, id }).id).toBe(id);
    expect(parseSensorReading(withContent({ temperature_f: -459.67 })).content.temperature_f).toBe(-459.67);
  });

  it.each([
    ['null', null],
    ['an array', [valid]],
    ['a number', 42],
    ['a string that is JSON but not an object', '"Sensor"'],
  ])('rejects %s as a whole', (_, input) => {
    expect(problemsOf(input)).toEqual([
      {
        field: '(reading)',
        value: typeof input === 'string' ? JSON.parse(input) : input,
        problem: 'must be a JSON object',
      },
    ]);
  });

  it('rejects invalid JSON and invalid UTF-8 with the parser message', () => {
    expect(problemsOf('{"id": ')[0]).toMatchObject({
      field: '(reading)',
      problem: expect.stringMatching(/^is not valid JSON/),
    });
    expect(problemsOf(Buffer.from(''))[0]).toMatchObject({ problem: expect.stringMatching(/^is not valid JSON/) });
    expect(problemsOf(Buffer.from([0xff, 0xfe]))[0]).toMatchObject({ problem: 'is not valid UTF-8' });
  });

  it.each([
    ['a missing id', { ...valid, id: undefined }, 'id', 'is missing'],
    ['an empty id', { ...valid, id: '' }, 'id', 'must not be empty'],
    ['an id of 129 characters', { ...valid, id: 'x'.repeat(129) }, 'id', 'must be at most 128 characters'],
    ['a numeric id', { ...valid, id: 7 }, 'id', 'must be a string'],
    ['an id with NUL', { ...valid, id: 'a\u0000b' }, 'id', 'must not contain a NUL character'],
    ['another type', { ...valid, type: 'Thermostat' }, 'type', 'must be "Sensor"'],
    ['missing content', { ...valid, content: undefined }, 'content', 'is missing'],
    [
      'temperature as a string',
      withContent({ temperature_f: '90' }),
      'content.temperature_f',
      'must be a finite number, not a string',
    ],
    ['NaN', withContent({ temperature_f: NaN }), 'content.temperature_f', 'must be a finite number, not a string'],
    [
      'Infinity',
      withContent({ temperature_f: Infinity }),
      'content.temperature_f',
      'must be a finite number, not a string',
    ],
    [
      'below absolute zero',
      withContent({ temperature_f: -500 }),
      'content.temperature_f',
      'must not lie below absolute zero (-459.67 °F)',
    ],
    [
      'a temperature whose Celsius would overflow',
      withContent({ temperature_f: 1.7e308 }),
      'content.temperature_f',
      'must not exceed 1000000000 °F',
    ],
    [
      'an id with a lone surrogate',
      { ...valid, id: '\ud83d-x' },
      'id',
      'must be well-formed Unicode (no lone surrogate)',
    ],
    [
      'an offset beyond ±14:59',
      withContent({ time_of_measurement: '2019-06-24T15:00:00+16:00' }),
      'content.time_of_measurement',
      expect.stringContaining('ISO-8601 date-time'),
    ],
    ['a missing time', withContent({ time_of_measurement: undefined }), 'content.time_of_measurement', 'is missing'],
    [
      '"yesterday"',
      withContent({ time_of_measurement: 'yesterday' }),
      'content.time_of_measurement',
      expect.stringContaining('ISO-8601 date-time'),
    ],
    [
      'a date without a time',
      withContent({ time_of_measurement: '2019-06-24' }),
      'content.time_of_measurement',
      expect.stringContaining('ISO-8601 date-time'),
    ],
    [
      'February 30th',
      withContent({ time_of_measurement: '2019-02-30T10:00:00' }),
      'content.time_of_measurement',
      'must be a real calendar date and time',
    ],
    [
      'hour 25',
      withContent({ time_of_measurement: '2019-02-03T25:00:00' }),
      'content.time_of_measurement',
      'must be a real calendar date and time',
    ],
    [
      'year 0000',
      withContent({ time_of_measurement: '0000-01-01T00:00:00' }),
      'content.time_of_measurement',
      expect.stringContaining('ISO-8601 date-time'),
    ],
  ])('rejects %s naming the field', (_, input, field, problem) => {
    expect(problemsOf(input)).toContainEqual(expect.objectContaining({ field, problem }));
  });

  it('lists every problem at once, with values in the message', () => {
    const error = (() => {
      try {
        parseSensorReading({
          id: '',
          type: 'Thermostat',
          content: { temperature_f: '90', time_of_measurement: 'yesterday' },
        });
      } catch (err) {
        return err as InvalidSensorReadingError;
      }
      throw new Error('expected the input to be rejected');
    })();
    expect(error.fields).toEqual(['id', 'type', 'content.temperature_f', 'content.time_of_measurement']);
    expect(error.message).toContain('type must be "Sensor" (got "Thermostat")');
    expect(error.message).toContain('content.temperature_f must be a finite number, not a string (got "90")');
    expect(error.message).toContain('id must not be empty (got "")');
  });

  it('cuts long values short in the message', () => {
    const error = (() => {
      try {
        parseSensorReading({ ...valid, id: 'x'.repeat(10_000) });
      } catch (err) {
        return err as InvalidSensorReadingError;
      }
      throw new Error('expected the input to be rejected');
    })();
    expect(error.message.length).toBeLessThan(300);
    expect(error.message).toContain('(10002 characters)');
  });
});
