import { envelopeBytes, formatSensorEnvelope, parseSensorEnvelope } from '../src';

const reading = (id: string) => ({
  id,
  type: 'Sensor',
  content: { temperature_f: 90, time_of_measurement: '2019-06-24T15:00:00' },
});

describe('formatSensorEnvelope', () => {
  it('builds an envelope that parseSensorEnvelope reads back', () => {
    const bodies = ['a', 'b'].map((id) => Buffer.from(JSON.stringify(reading(id))));
    const body = formatSensorEnvelope(bodies);
    expect(JSON.parse(body.toString())).toEqual({ readings: [reading('a'), reading('b')] });
    expect(parseSensorEnvelope(body).readings.map((r) => r.reading.id)).toEqual(['a', 'b']);
  });

  it('gives the same bytes for readings as text, as bytes, or mixed', () => {
    const texts = ['a', 'é', '🌡️'].map((id) => JSON.stringify(reading(id)));
    const bytes = formatSensorEnvelope(texts.map((text) => Buffer.from(text)));
    expect(Buffer.from(formatSensorEnvelope(texts))).toEqual(Buffer.from(bytes));
    expect(Buffer.from(formatSensorEnvelope([texts[0], Buffer.from(texts[1]), texts[2]]))).toEqual(Buffer.from(bytes));
    expect(
      envelopeBytes(
        3,
        texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0),
      ),
    ).toBe(bytes.byteLength);
  });
});

describe('envelopeBytes', () => {
  it('counts the brackets and commas around the readings', () => {
    const bodies = ['a', 'b', 'c'].map((id) => Buffer.from(JSON.stringify(reading(id))));
    const total = bodies.reduce((sum, b) => sum + b.length, 0);
    expect(envelopeBytes(3, total)).toBe(formatSensorEnvelope(bodies).length);
  });
});
