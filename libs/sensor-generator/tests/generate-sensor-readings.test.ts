import { parseSensorReading, type SensorReading } from '@sensors/sensor-model';
import {
  createSensorSimulator,
  generateSensorReadingBatches,
  generateSensorReadings,
  InvalidGeneratorOptionError,
  type GenerateSensorReadingBatchesOptions,
  type GenerateSensorReadingsOptions,
} from '../src';
import { thrownBy } from './thrown-by';

const START = Date.parse('2019-06-24T15:00:00.000Z');

/** A clock that only moves when told to, and a sleep that moves it: time without waiting. */
function fakeTime() {
  let now = START;
  const slept: number[] = [];
  return {
    slept,
    clock: () => new Date(now),
    sleep: (ms: number) => {
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

async function collect(options: GenerateSensorReadingsOptions): Promise<SensorReading[]> {
  const readings: SensorReading[] = [];
  for await (const reading of generateSensorReadings(options)) readings.push(reading);
  return readings;
}

describe('generateSensorReadings', () => {
  it('produces readings that the model accepts', async () => {
    const readings = await collect({ seed: 1, count: 500 });
    expect(readings).toHaveLength(500);
    for (const reading of readings) expect(parseSensorReading(JSON.stringify(reading))).toEqual(reading);
  });

  it('stops after count readings', async () => {
    expect(await collect({ seed: 1, count: 7 })).toHaveLength(7);
  });

  it('produces nothing for a count of 0', async () => {
    expect(await collect({ seed: 1, count: 0 })).toEqual([]);
  });

  it('repeats the stream of the synchronous simulator for the same seed', async () => {
    const { clock } = fakeTime();
    const simulator = createSensorSimulator({ seed: 'same', sensors: 4, clock });
    const expected = Array.from({ length: 50 }, () => simulator.next());
    expect(await collect({ seed: 'same', sensors: 4, clock, count: 50 })).toEqual(expected);
  });

  it('repeats the whole stream, ids included, for the same seed', async () => {
    const { clock } = fakeTime();
    expect(await collect({ seed: 9, clock, count: 100 })).toEqual(await collect({ seed: 9, clock, count: 100 }));
  });

  it('gives different ids for different seeds', async () => {
    const a = new Set((await collect({ seed: 1, count: 100 })).map((r) => r.id));
    const b = (await collect({ seed: 2, count: 100 })).map((r) => r.id);
    expect(b.filter((id) => a.has(id))).toEqual([]);
  });

  it('takes time_of_measurement from the injected clock', async () => {
    const time = fakeTime();
    const readings = await collect({ seed: 1, count: 3, rate: 2, clock: time.clock, sleep: time.sleep });
    expect(readings.map((r) => r.content.time_of_measurement)).toEqual([
      '2019-06-24T15:00:00.000',
      '2019-06-24T15:00:00.500',
      '2019-06-24T15:00:01.000',
    ]);
  });

  it('paces by a clock in milliseconds since 1970 as by one of Date objects', async () => {
    const byDate = fakeTime();
    const inMilliseconds = fakeTime();
    const clock = () => inMilliseconds.clock().getTime();
    const paced = { seed: 1, count: 4, rate: 10 };
    const expected = await collect({ ...paced, clock: byDate.clock, sleep: byDate.sleep });
    expect(await collect({ ...paced, clock, sleep: inMilliseconds.sleep })).toEqual(expected);
    expect(inMilliseconds.slept).toEqual(byDate.slept);
  });

  it('never pauses without a rate', async () => {
    const time = fakeTime();
    await collect({ seed: 1, count: 5, clock: time.clock, sleep: time.sleep });
    expect(time.slept).toEqual([]);
  });

  it('paces readings to the rate, the first one at once', async () => {
    const time = fakeTime();
    await collect({ seed: 1, count: 4, rate: 10, clock: time.clock, sleep: time.sleep });
    expect(time.slept).toEqual([100, 100, 100]);
  });

  it('counts the consumer’s time against the interval, so the rate does not drift', async () => {
    const time = fakeTime();
    const times: string[] = [];
    const paced = { seed: 1, count: 4, rate: 10, clock: time.clock, sleep: time.sleep };
    for await (const reading of generateSensorReadings(paced)) {
      times.push(reading.content.time_of_measurement.slice(-6));
      time.advance(30);
    }
    expect(time.slept).toEqual([70, 70, 70]);
    expect(times).toEqual(['00.000', '00.100', '00.200', '00.300']);
  });

  it('catches up without pausing after the consumer falls behind', async () => {
    const time = fakeTime();
    const times: string[] = [];
    const paced = { seed: 1, count: 4, rate: 10, clock: time.clock, sleep: time.sleep };
    for await (const reading of generateSensorReadings(paced)) {
      if (times.push(reading.content.time_of_measurement.slice(-6)) === 1) time.advance(250);
    }
    expect(times).toEqual(['00.000', '00.250', '00.250', '00.300']);
    // Readings 1 and 2 (due at 100 and 200 ms) are overdue at 250 ms; reading 3 is due at 300 ms.
    expect(time.slept).toEqual([50]);
  });

  it('waits at most one interval when the clock stands still', async () => {
    const slept: number[] = [];
    const sleep = (ms: number) => {
      slept.push(ms);
      return Promise.resolve();
    };
    await collect({ seed: 1, count: 4, rate: 10, clock: () => new Date(START), sleep });
    expect(slept).toEqual([100, 100, 100]);
  });

  it('ends without a reading when the signal has already aborted', async () => {
    expect(await collect({ seed: 1, signal: AbortSignal.abort() })).toEqual([]);
  });

  it('ends when the signal aborts between readings', async () => {
    const controller = new AbortController();
    const readings: SensorReading[] = [];
    for await (const reading of generateSensorReadings({ seed: 1, signal: controller.signal })) {
      readings.push(reading);
      if (readings.length === 3) controller.abort();
    }
    expect(readings).toHaveLength(3);
  });

  it('ends when the signal aborts during a pause, without another reading', async () => {
    const controller = new AbortController();
    const time = fakeTime();
    const sleep = (ms: number) => {
      controller.abort();
      return time.sleep(ms);
    };
    const readings = await collect({ seed: 1, rate: 1, clock: time.clock, sleep, signal: controller.signal });
    expect(readings).toHaveLength(1);
  });

  it('cuts its own pause short when the signal aborts', async () => {
    const controller = new AbortController();
    const readings = generateSensorReadings({ seed: 1, rate: 1 / 3600, signal: controller.signal })[
      Symbol.asyncIterator
    ]();
    await readings.next();
    const second = readings.next();
    setImmediate(() => controller.abort());
    // Without the abort this would wait an hour and time the test out.
    await expect(second).resolves.toEqual({ done: true, value: undefined });
  });

  it('passes the signal to an injected sleep', async () => {
    const controller = new AbortController();
    const signals: (AbortSignal | undefined)[] = [];
    const sleep = (_ms: number, signal?: AbortSignal) => {
      signals.push(signal);
      return Promise.resolve();
    };
    await collect({ seed: 1, count: 2, rate: 1, clock: () => new Date(START), sleep, signal: controller.signal });
    expect(signals).toEqual([controller.signal]);
  });

  it('stops drawing readings once the consumer breaks out', async () => {
    let clockReads = 0;
    const clock = () => {
      clockReads++;
      return new Date(START);
    };
    const readings: SensorReading[] = [];
    for await (const reading of generateSensorReadings({ seed: 1, clock })) {
      if (readings.push(reading) === 3) break;
    }
    expect(clockReads).toBe(3);
  });

  it('lets timers fire while the consumer pulls without pause', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1);
    // The count only bounds the damage: without a turn for the timer, all of it would be read.
    const readings = await collect({ seed: 1, count: 200_000, signal: controller.signal });
    expect(readings.length).toBeGreaterThan(0);
    expect(readings.length).toBeLessThan(200_000);
  });

  it.each([-1, 1.5, NaN, Infinity])('rejects a count of %p at the call', (count) => {
    expect(thrownBy(() => generateSensorReadings({ count }))).toMatchObject({
      name: 'InvalidGeneratorOptionError',
      option: 'count',
      value: count,
      message: `count must be an integer of at least 0 (got ${count})`,
    });
  });

  it.each([-1, NaN, Infinity])('rejects a rate of %p at the call', (rate) => {
    const error = thrownBy(() => generateSensorReadings({ rate }));
    expect(error).toBeInstanceOf(RangeError);
    expect(error).toMatchObject({
      option: 'rate',
      value: rate,
      message: `rate must be a finite number of at least 0 (got ${rate})`,
    });
  });

  it('rejects bad simulator options at the call', () => {
    expect(() => generateSensorReadings({ sensors: 0 })).toThrow(InvalidGeneratorOptionError);
  });
});

async function collectBatches(options: GenerateSensorReadingBatchesOptions): Promise<SensorReading[][]> {
  const batches: SensorReading[][] = [];
  for await (const batch of generateSensorReadingBatches(options)) batches.push(batch);
  return batches;
}

describe('generateSensorReadingBatches', () => {
  it('gives the same readings as generateSensorReadings, in arrays of at most maxBatch', async () => {
    const time = fakeTime();
    const batches = await collectBatches({ seed: 3, count: 2500, clock: time.clock });
    expect(batches.map((batch) => batch.length)).toEqual([1024, 1024, 452]);
    expect(batches.flat()).toEqual(await collect({ seed: 3, count: 2500, clock: fakeTime().clock }));
  });

  it('puts the readings due by now in one batch, and paces the rest', async () => {
    const time = fakeTime();
    const sizes: number[] = [];
    const paced = { seed: 1, count: 6, rate: 10, clock: time.clock, sleep: time.sleep };
    for await (const batch of generateSensorReadingBatches(paced)) {
      // The consumer takes 250 ms over the first batch: readings 1 and 2 are overdue by then.
      if (sizes.push(batch.length) === 1) time.advance(250);
    }
    expect(sizes).toEqual([1, 2, 1, 1, 1]);
    expect(time.slept).toEqual([50, 100, 100]);
  });

  it('paces batches by a clock in milliseconds since 1970 as by one of Date objects', async () => {
    const byDate = fakeTime();
    const inMilliseconds = fakeTime();
    const clock = () => inMilliseconds.clock().getTime();
    const paced = { seed: 1, count: 6, rate: 10 };
    const expected = await collectBatches({ ...paced, clock: byDate.clock, sleep: byDate.sleep });
    expect(await collectBatches({ ...paced, clock, sleep: inMilliseconds.sleep })).toEqual(expected);
    expect(inMilliseconds.slept).toEqual(byDate.slept);
  });

  it('makes a batch only when it is pulled', async () => {
    let clockReads = 0;
    const clock = () => {
      clockReads++;
      return new Date(START);
    };
    for await (const batch of generateSensorReadingBatches({ seed: 1, maxBatch: 10, clock })) {
      expect(batch).toHaveLength(10);
      break;
    }
    expect(clockReads).toBe(10);
  });

  it('ends when the signal aborts between batches', async () => {
    const controller = new AbortController();
    const batches: SensorReading[][] = [];
    for await (const batch of generateSensorReadingBatches({ seed: 1, maxBatch: 5, signal: controller.signal })) {
      if (batches.push(batch) === 2) controller.abort();
    }
    expect(batches).toHaveLength(2);
  });

  it('lets timers fire between batches when the consumer pulls without pause', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1);
    const batches = await collectBatches({ seed: 1, count: 200_000, maxBatch: 100, signal: controller.signal });
    expect(batches.flat().length).toBeLessThan(200_000);
  });

  it.each([0, 1.5, NaN])('rejects a maxBatch of %p at the call', (maxBatch) => {
    expect(thrownBy(() => generateSensorReadingBatches({ maxBatch }))).toMatchObject({
      name: 'InvalidGeneratorOptionError',
      option: 'maxBatch',
    });
  });
});
