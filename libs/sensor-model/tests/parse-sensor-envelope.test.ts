import {
  InvalidEnvelopeError,
  InvalidSensorReadingError,
  MAX_ENVELOPE_READINGS,
  envelopeItems,
  parseSensorEnvelope,
} from '../src';

function reading(id: string, temperature_f: unknown = 90) {
  return { id, type: 'Sensor', content: { temperature_f, time_of_measurement: '2019-06-24T15:00:00' } };
}

function envelope(readings: unknown): Buffer {
  return Buffer.from(JSON.stringify({ readings }));
}

function refusal(input: Buffer | string, options?: Parameters<typeof parseSensorEnvelope>[1]): string {
  try {
    parseSensorEnvelope(input, options);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidEnvelopeError);
    return (err as Error).message;
  }
  throw new Error('expected the envelope to be refused');
}

describe('parseSensorEnvelope', () => {
  it('returns every reading of a valid envelope with its index', () => {
    const parsed = parseSensorEnvelope(envelope([reading('a'), reading('b')]));
    expect(parsed).toEqual({
      readings: [
        { index: 0, reading: reading('a'), time: { measuredAt: '2019-06-24T15:00:00Z', epochMs: 1561388400000 } },
        { index: 1, reading: reading('b'), time: { measuredAt: '2019-06-24T15:00:00Z', epochMs: 1561388400000 } },
      ],
      invalid: [],
      count: 2,
    });
  });

  it('lists a bad reading by index and keeps the good ones', () => {
    const parsed = parseSensorEnvelope(envelope([reading('a'), reading('b', '90'), reading('c')]));
    expect(parsed.readings.map((r) => r.index)).toEqual([0, 2]);
    expect(parsed.invalid).toEqual([
      { index: 1, value: reading('b', '90'), error: expect.any(InvalidSensorReadingError) },
    ]);
    expect(parsed.invalid[0].error.fields).toEqual(['content.temperature_f']);
  });

  it('judges each reading by the same rules as parseSensorReading', () => {
    const parsed = parseSensorEnvelope(envelope([{ ...reading('a'), type: 'Thermostat' }, null, '{"id":"x"}']));
    expect(parsed.invalid.map((i) => [i.index, i.error.fields])).toEqual([
      [0, ['type']],
      [1, ['(reading)']],
      [2, ['(reading)']],
    ]);
  });

  it('accepts a string and ignores unknown top-level fields', () => {
    const parsed = parseSensorEnvelope(JSON.stringify({ readings: [reading('a')], producer: 'x' }));
    expect(parsed.count).toBe(1);
  });

  it('refuses a body that is not JSON or not UTF-8', () => {
    expect(refusal('{"readings": [')).toMatch(/^Invalid envelope: is not valid JSON/);
    expect(refusal(Buffer.from([0x7b, 0xff, 0x7d]))).toBe('Invalid envelope: is not valid UTF-8');
  });

  it('refuses a body that is not an object with a readings array', () => {
    expect(refusal(JSON.stringify([reading('a')]))).toContain(
      'must be a JSON object with a "readings" array, not an array',
    );
    expect(refusal(JSON.stringify({ readings: reading('a') }))).toContain('"readings" must be an array, not a object');
    expect(refusal(JSON.stringify({ reading: [] }))).toContain('"readings" must be an array, not missing');
  });

  it('refuses an empty envelope', () => {
    expect(refusal(envelope([]))).toContain('"readings" is empty');
  });

  it('refuses an envelope over the reading or byte limit', () => {
    const many = envelope(Array.from({ length: MAX_ENVELOPE_READINGS + 1 }, (_, i) => reading(`r${i}`)));
    expect(refusal(many, { maxBytes: Infinity })).toContain(`holds 1001 readings, more than the 1000 allowed`);
    expect(refusal(envelope([reading('a')]), { maxBytes: 10 })).toMatch(/is \d+ bytes, more than the 10 allowed/);
  });
});

describe('envelopeItems', () => {
  it('reads the items as the envelope carries them, past a byte order mark, as parseSensorEnvelope does', () => {
    const bytes = Buffer.from('\uFEFF{"readings":[{"id":"r1","extra_field":[1]},7]}');
    expect(envelopeItems(bytes)).toEqual([{ id: 'r1', extra_field: [1] }, 7]);
    expect(parseSensorEnvelope(bytes).count).toBe(2);
  });

  it('throws InvalidEnvelopeError where the envelope cannot be read', () => {
    expect(() => envelopeItems('{"readings":{}}')).toThrow(InvalidEnvelopeError);
    expect(() => envelopeItems(Buffer.from([0xff]))).toThrow(/UTF-8/);
  });
});
