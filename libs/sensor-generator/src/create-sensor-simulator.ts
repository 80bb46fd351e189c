import type { SensorReading } from '@sensors/sensor-model';
import { randomUUID } from 'node:crypto';
import { createRandomSource } from './create-random-source';
import { InvalidGeneratorOptionError } from './errors';
import { readClock, type Clock } from './read-clock';
import { stepTemperature } from './step-temperature';

/** Range of the base temperatures drawn for the sensors, in °F. */
const BASE_MIN_F = 40;
const BASE_MAX_F = 100;

/** Options of {@link createSensorSimulator}. */
export interface SensorSimulatorOptions {
  /** How many sensors report, in turn; an integer of at least 1. Default 10. */
  sensors?: number;
  /**
   * Fixes the whole stream, ids included. A number and its text (`42`, `'42'`) are the same
   * seed. Default: a random seed, see {@link SensorSimulator.seed}.
   */
  seed?: number | string;
  /**
   * Read once per reading for its `time_of_measurement`: a `Date` or milliseconds since 1970.
   * Default `Date.now`.
   */
  clock?: Clock;
}

/** A synchronous source of readings, for hot loops and benchmarks. */
export interface SensorSimulator {
  /** The seed in use: the one given, or the one drawn at random, so that any run can be replayed. */
  readonly seed: number | string;
  /** Returns the next reading. Sensors report in turn: reading `i` comes from sensor `i % sensors`. */
  next(): SensorReading;
}

/**
 * Creates simulated sensors, each with its own base temperature between 40 and 100 °F, whose
 * readings follow a random walk around that base (see `stepTemperature`).
 *
 * @throws {InvalidGeneratorOptionError} when `sensors` or `seed` is out of range.
 *
 * @example
 * const simulator = createSensorSimulator({ sensors: 3, seed: 42, clock: () => Date.parse('2019-06-24T15:00:00Z') });
 * simulator.next();
 * // { id: '38a3abd8-55f9-47c5-841a-94784ec64d60', type: 'Sensor',
 * //   content: { temperature_f: 93.73, time_of_measurement: '2019-06-24T15:00:00.000' } }
 */
export function createSensorSimulator(options: SensorSimulatorOptions = {}): SensorSimulator {
  const { sensors = 10, seed = randomUUID(), clock = Date.now } = options;
  if (!Number.isSafeInteger(sensors) || sensors < 1) {
    throw new InvalidGeneratorOptionError('sensors', sensors, 'an integer of at least 1');
  }
  if (typeof seed === 'string' ? seed.length === 0 : !Number.isFinite(seed)) {
    throw new InvalidGeneratorOptionError('seed', seed, 'a finite number or a non-empty string');
  }

  const random = createRandomSource(seed);
  const bases = Float64Array.from({ length: sensors }, () => BASE_MIN_F + (BASE_MAX_F - BASE_MIN_F) * random.uniform());
  const temperatures = Float64Array.from(bases);
  let turn = 0;
  // Readings of one millisecond share their time: format it once.
  let lastMs = NaN;
  let lastTime = '';

  return {
    seed,
    next() {
      const sensor = turn;
      turn = (turn + 1) % sensors;
      temperatures[sensor] = stepTemperature(temperatures[sensor], bases[sensor], random.gaussian());
      const now = readClock(clock);
      if (now !== lastMs) {
        lastMs = now;
        // The wire format carries no offset, and a time without one is UTC in this product.
        lastTime = new Date(now).toISOString().slice(0, -1);
      }
      return {
        id: random.uuid(),
        type: 'Sensor',
        content: {
          // Hundredths of a degree, like a real sensor; the walk itself keeps full precision.
          temperature_f: Math.round(temperatures[sensor] * 100) / 100,
          time_of_measurement: lastTime,
        },
      };
    },
  };
}
