import { parseSensorReading } from '@sensors/sensor-model';
import { measureParseCost, parseMixes } from '../src/measure-parse-cost';

describe('parseMixes', () => {
  it('makes readings sharing their time, with their own times, and a tenth as many invalid ones', () => {
    const mixes = parseMixes(20);
    expect(Object.keys(mixes)).toEqual(['shared time', 'own time', 'invalid']);
    expect(mixes['invalid']).toHaveLength(2);
    const times = mixes['own time'].map(
      (b) => (JSON.parse(b.toString()) as { content: { time_of_measurement: string } }).content.time_of_measurement,
    );
    expect(new Set(times).size).toBe(20);
  });
});

describe('measureParseCost', () => {
  it('times every input of every mix, each rep', () => {
    let calls = 0;
    const costs = measureParseCost(() => calls++, { readings: 30, reps: 2 });
    expect(calls).toBe(2 * (30 + 30 + 3));
    expect(costs.map((c) => c.readings)).toEqual([30, 30, 3]);
    for (const cost of costs) expect(cost.fastestNs).toBeLessThanOrEqual(cost.medianNs);
  });

  it('runs the model’s parser, whose invalid readings throw', () => {
    const costs = measureParseCost((input) => parseSensorReading(input), { readings: 50, reps: 1 });
    expect(costs.every((c) => c.fastestNs > 0)).toBe(true);
    expect(() => parseSensorReading(parseMixes(10)['invalid'][0])).toThrow();
  });
});
