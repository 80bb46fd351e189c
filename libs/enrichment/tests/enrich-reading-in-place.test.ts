import type { SensorReading } from '@sensors/sensor-model';
import { enrichReading, enrichReadingInPlace } from '../src';

function reading(): SensorReading {
  return { id: 'a1', type: 'Sensor', content: { temperature_f: 90, time_of_measurement: '2019-06-24T15:00:00' } };
}

describe('enrichReadingInPlace', () => {
  it('adds temperature_c to the reading itself and returns it', () => {
    const input = reading();
    const enriched = enrichReadingInPlace(input);
    expect(enriched).toBe(input);
    expect(input.content).toEqual({
      temperature_f: 90,
      time_of_measurement: '2019-06-24T15:00:00',
      temperature_c: 32.22222222222222,
    });
  });

  it('gives what enrichReading gives, fields the model does not know included', () => {
    const extended = () => ({
      ...reading(),
      extra: { humidity: 40 },
      content: { ...reading().content, site: 'attic' },
    });
    expect(enrichReadingInPlace(extended())).toEqual(enrichReading(extended()));
  });

  it('replaces a temperature_c that disagrees with temperature_f', () => {
    const stale = { ...reading(), content: { ...reading().content, temperature_c: 0 } };
    expect(enrichReadingInPlace(stale).content.temperature_c).toBe(32.22222222222222);
  });
});
