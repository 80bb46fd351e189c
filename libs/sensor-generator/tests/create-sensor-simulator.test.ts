import { parseSensorReading, type SensorReading } from '@sensors/sensor-model';
import { createSensorSimulator, InvalidGeneratorOptionError, type SensorSimulatorOptions } from '../src';
import { thrownBy } from './thrown-by';

const FIXED_CLOCK = () => new Date('2019-06-24T15:00:00.000Z');

function take(n: number, options: SensorSimulatorOptions): SensorReading[] {
  const simulator = createSensorSimulator({ clock: FIXED_CLOCK, ...options });
  return Array.from({ length: n }, () => simulator.next());
}

/** The temperatures of one sensor, in order: sensors report in turn. */
function series(readings: SensorReading[], sensors: number, sensor: number): number[] {
  return readings.filter((_, i) => i % sensors === sensor).map((r) => r.content.temperature_f);
}

function lag1Autocorrelation(xs: number[]): number {
  const mean = xs.reduce((sum, x) => sum + x, 0) / xs.length;
  let numerator = 0;
  let denominator = 0;
  for (let i = 0; i < xs.length; i++) {
    denominator += (xs[i] - mean) ** 2;
    if (i > 0) numerator += (xs[i] - mean) * (xs[i - 1] - mean);
  }
  return numerator / denominator;
}

describe('createSensorSimulator', () => {
  it('produces readings that the model accepts, unchanged by a JSON round trip', () => {
    for (const reading of take(1000, { seed: 1 })) {
      expect(parseSensorReading(JSON.stringify(reading))).toEqual(reading);
    }
  });

  it('produces exactly the wire format', () => {
    const [reading] = take(1, { seed: 1 });
    expect(Object.keys(reading)).toEqual(['id', 'type', 'content']);
    expect(Object.keys(reading.content)).toEqual(['temperature_f', 'time_of_measurement']);
    expect(reading.type).toBe('Sensor');
  });

  it('repeats the whole stream, ids included, for the same seed', () => {
    expect(take(500, { seed: 'replay-me' })).toEqual(take(500, { seed: 'replay-me' }));
  });

  it('gives different ids for different seeds', () => {
    const a = new Set(take(1000, { seed: 1 }).map((r) => r.id));
    const b = take(1000, { seed: 2 }).map((r) => r.id);
    expect(b.filter((id) => a.has(id))).toEqual([]);
  });

  it('draws a random seed when none is given and reports it', () => {
    const first = createSensorSimulator({ clock: FIXED_CLOCK });
    const second = createSensorSimulator({ clock: FIXED_CLOCK });
    expect(first.seed).not.toEqual(second.seed);
    expect(first.next().id).not.toBe(second.next().id);
  });

  it('replays an unseeded run from its reported seed', () => {
    const unseeded = createSensorSimulator({ clock: FIXED_CLOCK });
    const original = [unseeded.next(), unseeded.next()];
    expect(take(2, { seed: unseeded.seed })).toEqual(original);
  });

  it('gives UUID-v4-shaped ids that are unique over 100k readings', () => {
    const ids = take(100_000, { seed: 3 }).map((r) => r.id);
    expect(
      ids.filter((id) => !/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)),
    ).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('lets each sensor wander in small steps around its own base temperature', () => {
    const sensors = 5;
    const readings = take(50_000, { seed: 4, sensors });
    for (let sensor = 0; sensor < sensors; sensor++) {
      const temperatures = series(readings, sensors, sensor);
      const steps = temperatures.slice(1).map((t, i) => Math.abs(t - temperatures[i]));
      expect(Math.max(...steps)).toBeLessThan(3);
      expect(Math.max(...temperatures) - Math.min(...temperatures)).toBeGreaterThan(5);
    }
  });

  it('follows a random walk rather than white noise', () => {
    const sensors = 3;
    const readings = take(30_000, { seed: 5, sensors });
    for (let sensor = 0; sensor < sensors; sensor++) {
      expect(lag1Autocorrelation(series(readings, sensors, sensor))).toBeGreaterThan(0.9);
    }
  });

  it('gives the sensors different base temperatures between about 40 and 100 °F', () => {
    const sensors = 20;
    const readings = take(sensors * 1000, { seed: 6, sensors });
    const means = Array.from({ length: sensors }, (_, sensor) => {
      const temperatures = series(readings, sensors, sensor);
      return temperatures.reduce((sum, t) => sum + t, 0) / temperatures.length;
    });
    expect(Math.min(...means)).toBeGreaterThan(30);
    expect(Math.max(...means)).toBeLessThan(110);
    expect(Math.max(...means) - Math.min(...means)).toBeGreaterThan(20);
  });

  it('rounds temperatures to hundredths of a degree', () => {
    const temperatures = take(1000, { seed: 7 }).map((r) => r.content.temperature_f);
    expect(temperatures.filter((t) => Math.round(t * 100) / 100 !== t)).toEqual([]);
  });

  it('takes time_of_measurement from the clock, in UTC without offset and with milliseconds', () => {
    let now = Date.parse('2019-06-24T15:00:00.000Z');
    const simulator = createSensorSimulator({ seed: 1, clock: () => new Date((now += 1500)) });
    expect([simulator.next(), simulator.next()].map((r) => r.content.time_of_measurement)).toEqual([
      '2019-06-24T15:00:01.500',
      '2019-06-24T15:00:03.000',
    ]);
  });

  it('takes a clock in milliseconds since 1970 as it takes one of Date objects', () => {
    let now = Date.parse('2019-06-24T15:00:00.000Z');
    const inMilliseconds = createSensorSimulator({ seed: 1, clock: () => (now += 1500) });
    const times = [inMilliseconds.next(), inMilliseconds.next()].map((r) => r.content.time_of_measurement);
    expect(times).toEqual(['2019-06-24T15:00:01.500', '2019-06-24T15:00:03.000']);
  });

  it('reads the wall clock by default', () => {
    const before = Date.now();
    const time = createSensorSimulator({ seed: 1 }).next().content.time_of_measurement;
    const after = Date.now();
    expect(Date.parse(`${time}Z`)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(`${time}Z`)).toBeLessThanOrEqual(after);
  });

  it.each([0, -1, 1.5, NaN, Infinity])(
    'rejects %p sensors with a RangeError naming the option and the value',
    (sensors) => {
      const error = thrownBy(() => createSensorSimulator({ sensors }));
      expect(error).toBeInstanceOf(RangeError);
      expect(error).toBeInstanceOf(InvalidGeneratorOptionError);
      expect(error).toMatchObject({
        option: 'sensors',
        value: sensors,
        message: `sensors must be an integer of at least 1 (got ${sensors})`,
      });
    },
  );

  it.each([NaN, Infinity, ''])('rejects the seed %p', (seed) => {
    expect(thrownBy(() => createSensorSimulator({ seed }))).toMatchObject({
      option: 'seed',
      value: seed,
      message: expect.stringMatching(/^seed must be a finite number or a non-empty string \(got/),
    });
  });
});
