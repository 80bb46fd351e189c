import {
  InvalidSensorReadingError,
  MEASUREMENT_TIME_EXAMPLES,
  parseMeasurementTime,
  parseSensorReading,
  parseTimedSensorReading,
  type ParseSensorReadingOptions,
  type ReadingProblem,
} from '../src';

const valid = {
  id: 'c0ffee-42',
  type: 'Sensor',
  content: { temperature_f: 90, time_of_measurement: '2019-06-24T15:00:00' },
};

function withContent(content: Record<string, unknown>): unknown {
  return { ...valid, content: { ...valid.content, ...content } };
}

function problemsOf(input: unknown): ReadingProblem[] {
  return problemsOf2(input, {});
}

function problemsOf2(input: unknown, options: ParseSensorReadingOptions): ReadingProblem[] {
  try {
    parseSensorReading(input, options);
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

  it('keeps the fields of content the model does not know in extra', () => {
    const reading = parseSensorReading({
      ...valid,
      content: { ...valid.content, temperature_c: 1, humidity_pct: 41, note: { text: 'x' } },
    });
    expect(reading).toEqual({ ...valid, extra: { humidity_pct: 41, note: { text: 'x' } } });
  });

  it('reads only own fields: inherited ones are neither extra nor foreign', () => {
    const content = Object.assign(Object.create({ inherited_pct: 1 }) as object, valid.content);
    const reading = Object.assign(Object.create({ inherited: 1 }) as object, { ...valid, content });
    expect(parseSensorReading(reading)).toEqual(valid);
    expect(parseSensorReading(reading).extra).toBeUndefined();
  });

  it('refuses unknown fields of content when asked to, naming them', () => {
    expect(problemsOf2(withContent({ humidity_pct: 41 }), { unknownFields: 'reject' })).toEqual([
      expect.objectContaining({ field: 'content.humidity_pct', value: 41 }),
    ]);
  });

  it('refuses an unknown field nested too deep or holding __proto__', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(problemsOf(withContent({ deep }))).toEqual([expect.objectContaining({ field: 'content.deep' })]);
    const proto: unknown = JSON.parse(
      '{"id":"p","type":"Sensor","content":{"temperature_f":1,"time_of_measurement":"2019-06-24T15:00:00","__proto__":{"x":1}}}',
    );
    expect(problemsOf(proto)).toEqual([expect.objectContaining({ field: 'content.__proto__' })]);
    expect(problemsOf(withContent({ a: { b: JSON.parse('{"__proto__":1}') as unknown } }))).toHaveLength(1);
  });

  it.each([
    ['a NUL in a string', '"note":"a\\u0000b"', 'content.note', 'a\u0000b', 'must not contain a NUL character'],
    ['a lone surrogate in a string', '"note":"\\ud800"', 'content.note', '\ud800', 'no lone surrogate'],
    ['a NUL in a nested string', '"a":{"b":[1,"x\\u0000"]}', 'content.a.b[1]', 'x\u0000', 'NUL character'],
    ['a NUL in a name', '"a\\u0000b":1', 'content', 'a\u0000b', 'field name that must not contain a NUL'],
    ['a lone surrogate in a nested name', '"a":[{"\\udc00":1}]', 'content.a[0]', '\udc00', 'no lone surrogate'],
    ['a number beyond a double', '"x":1e999', 'content.x', Infinity, 'must be a finite number'],
    ['a nested number beyond a double', '"x":[-1e999]', 'content.x[0]', -Infinity, 'must be a finite number'],
  ])('refuses an unknown field that jsonb cannot store as sent: %s', (_, extra, field, value, problem) => {
    const input = `{"id":"r1","type":"Sensor","content":{"temperature_f":1,"time_of_measurement":"2019-06-24T15:00:00","ok":1,${extra}}}`;
    expect(problemsOf(input)).toEqual([{ field, value, problem: expect.stringContaining(problem) }]);
    // The message names the field and shows the value with JSON's escapes, never a raw NUL.
    const shown = typeof value === 'number' ? String(value) : JSON.stringify(value);
    expect(() => parseSensorReading(input)).toThrow(`${field} `);
    expect(() => parseSensorReading(input)).toThrow(`(got ${shown})`);
  });

  it('refuses a value of an unknown field that is not JSON', () => {
    expect(problemsOf(withContent({ x: NaN, y: [undefined], z: 1n }))).toEqual([
      expect.objectContaining({ field: 'content.x', value: NaN }),
      expect.objectContaining({ field: 'content.y[0]', value: undefined }),
      expect.objectContaining({ field: 'content.z', value: 1n }),
    ]);
  });

  it('keeps -0 in an unknown field, a number equal to the 0 that JSON and jsonb write for it', () => {
    const reading = parseSensorReading(
      '{"id":"r1","type":"Sensor","content":{"temperature_f":1,"time_of_measurement":"2019-06-24T15:00:00","x":-0.0}}',
    );
    expect(reading.extra).toEqual({ x: -0 });
    expect(JSON.stringify(reading.extra)).toBe('{"x":0}');
  });

  it('refuses fields beside id, type and content', () => {
    expect(problemsOf({ ...valid, humidity_pct: 41 })).toEqual([
      expect.objectContaining({
        field: 'humidity_pct',
        problem: expect.stringContaining('measurements go in content'),
      }),
    ]);
  });

  it('reports one problem per field', () => {
    expect(problemsOf(withContent({ temperature_f: '90' }))).toEqual([
      { field: 'content.temperature_f', value: '90', problem: 'must be a finite number, not a string' },
    ]);
    expect(problemsOf({ ...valid, id: 7 })).toEqual([{ field: 'id', value: 7, problem: 'must be a string' }]);
  });

  it('counts the id in code points, as the column does', () => {
    expect(parseSensorReading({ ...valid, id: '🌡'.repeat(128) }).id).toHaveLength(256);
    expect(problemsOf({ ...valid, id: '🌡'.repeat(129) })).toEqual([expect.objectContaining({ field: 'id' })]);
    expect(parseSensorReading({ ...valid, id: 'd'.repeat(127) + '\ufe0f' }).id).toHaveLength(128);
    expect(problemsOf({ ...valid, id: 'd'.repeat(128) + '\ufe0f' })).toEqual([
      expect.objectContaining({ field: 'id', problem: 'must be at most 128 characters (Unicode code points)' }),
    ]);
  });

  it('describes a value nested 10,000 deep in a bounded message', () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const error = (() => {
      try {
        parseSensorReading(
          `{"id":"x","type":"Sensor","content":{"temperature_f":${deep},"time_of_measurement":"2019-06-24T15:00"}}`,
        );
      } catch (err) {
        return err as InvalidSensorReadingError;
      }
      throw new Error('expected the input to be rejected');
    })();
    expect(error.fields).toEqual(['content.temperature_f']);
    expect(error.message.length).toBeLessThan(300);
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
        value: typeof input === 'string' ? (JSON.parse(input) as unknown) : input,
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
    [
      'an id of 129 characters',
      { ...valid, id: 'x'.repeat(129) },
      'id',
      'must be at most 128 characters (Unicode code points)',
    ],
    ['a numeric id', { ...valid, id: 7 }, 'id', 'must be a string'],
    ['an id with NUL', { ...valid, id: 'a\u0000b' }, 'id', 'must not contain a NUL character'],
    ['another type', { ...valid, type: 'Thermostat' }, 'type', 'must be "Sensor"'],
    [
      'an id with a lone surrogate',
      { ...valid, id: '\ud83d-x' },
      'id',
      'must be well-formed Unicode (no lone surrogate)',
    ],
    ['missing content', { ...valid, content: undefined }, 'content', 'is missing'],
  ])('rejects %s naming the field', (_, input, field, problem) => {
    expect(problemsOf(input)).toContainEqual(expect.objectContaining({ field, problem }));
  });

  it.each([
    ['a string', '90', 'must be a finite number, not a string'],
    ['NaN', NaN, 'must be a finite number, not NaN'],
    ['Infinity', Infinity, 'must be a finite number: beyond ±1.7976931348623157e+308 JSON reads as Infinity'],
    ['null', null, 'must be a finite number, not null'],
    ['true', true, 'must be a finite number, not a boolean'],
    ['an array', [90], 'must be a finite number, not an array'],
    ['an object', { f: 90 }, 'must be a finite number, not an object'],
    ['below absolute zero', -500, 'must not lie below absolute zero (-459.67 °F)'],
    ['whose Celsius would overflow', 1.7e308, 'must not exceed 1000000000 °F'],
  ])('rejects a temperature_f of %s', (_, temperature, problem) => {
    expect(problemsOf(withContent({ temperature_f: temperature }))).toContainEqual(
      expect.objectContaining({ field: 'content.temperature_f', problem }),
    );
  });

  it.each([
    ['an offset beyond ±23:59', '2019-06-24T15:00:00+24:00', 'beyond ±23:59'],
    ['none', undefined, 'is missing'],
    ['"yesterday"', 'yesterday', 'RFC 3339 date-time'],
    ['a date without a time', '2019-06-24', 'without a time'],
    ['February 30th', '2019-02-30T10:00:00', 'day 30'],
    ['hour 25', '2019-02-03T25:00:00', 'hour 25'],
    ['year 0000', '0000-01-01T00:00:00', 'year 0000'],
  ])('rejects a time_of_measurement of %s', (_, time, problem) => {
    expect(problemsOf(withContent({ time_of_measurement: time }))).toContainEqual(
      expect.objectContaining({ field: 'content.time_of_measurement', problem: expect.stringContaining(problem) }),
    );
  });

  it.each(MEASUREMENT_TIME_EXAMPLES)('agrees with parseMeasurementTime on $text', ({ text, measuredAt }) => {
    if (measuredAt === undefined) {
      expect(problemsOf(withContent({ time_of_measurement: text }))).toEqual([
        expect.objectContaining({ field: 'content.time_of_measurement', value: text }),
      ]);
    } else {
      expect(parseSensorReading(withContent({ time_of_measurement: text })).content.time_of_measurement).toBe(text);
    }
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

describe('parseTimedSensorReading', () => {
  it('gives the reading parseSensorReading gives, with the instant parseMeasurementTime reads from its time', () => {
    for (const text of [
      '2019-06-24T15:00:00',
      '2019-06-24T17:00:00.123456789+02:00',
      '2019-06-24T15:00:00',
      '2020-02-29 23:59:60Z',
    ]) {
      const input = { ...valid, content: { ...valid.content, time_of_measurement: text } };
      expect(parseTimedSensorReading(input)).toEqual({
        reading: parseSensorReading(input),
        time: parseMeasurementTime(text),
      });
    }
  });

  it('refuses a bad time with the same problem as parseSensorReading, after a good reading of another time', () => {
    parseTimedSensorReading(valid);
    const bad = { ...valid, content: { ...valid.content, time_of_measurement: '2019-02-29T15:00:00' } };
    expect(() => parseTimedSensorReading(bad)).toThrow(InvalidSensorReadingError);
    expect(() => parseTimedSensorReading(bad)).toThrow('has day 29 in a month of 28 days');
  });
});
