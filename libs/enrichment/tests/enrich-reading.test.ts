import type { SensorReading } from '@sensors/sensor-model';
import { enrichReading } from '../src';

const reading: SensorReading = {
  id: 'a1',
  type: 'Sensor',
  content: { temperature_f: 90, time_of_measurement: '2019-06-24T15:00:00' },
};

describe('enrichReading', () => {
  it('adds temperature_c and keeps every other field', () => {
    expect(enrichReading(reading)).toEqual({
      id: 'a1',
      type: 'Sensor',
      content: { temperature_f: 90, time_of_measurement: '2019-06-24T15:00:00', temperature_c: 32.22222222222222 },
    });
  });

  it('keeps fields the model does not know, at both levels', () => {
    const extended = { ...reading, site: 'attic', content: { ...reading.content, humidity: 40 } };
    expect(enrichReading(extended)).toEqual({
      ...extended,
      content: { ...extended.content, temperature_c: 32.22222222222222 },
    });
  });

  it('leaves its input unchanged', () => {
    const before = structuredClone(reading);
    enrichReading(reading);
    expect(reading).toEqual(before);
  });

  it('replaces a temperature_c that disagrees with temperature_f', () => {
    const stale = { ...reading, content: { ...reading.content, temperature_c: 0 } };
    expect(enrichReading(stale).content.temperature_c).toBe(32.22222222222222);
  });
});
