import type { SensorReading } from '@sensors/sensor-model';
import { setTimeout as delay, setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { createSensorSimulator, type SensorSimulator, type SensorSimulatorOptions } from './create-sensor-simulator';
import { InvalidGeneratorOptionError } from './errors';
import { readClock, type Clock } from './read-clock';

/**
 * How many readings may be produced back to back before the event loop gets a turn, so that a
 * consumer that never awaits anything slow does not starve timers, I/O and abort signals.
 */
const READINGS_BETWEEN_YIELDS = 1024;

/** Options of {@link generateSensorReadings}. */
export interface GenerateSensorReadingsOptions extends SensorSimulatorOptions {
  /** Stop after this many readings; an integer of at least 0. Default: never stop. */
  count?: number;
  /** Readings per second, finite and not negative; 0 or undefined: as fast as the consumer pulls. */
  rate?: number;
  /** Ends the stream, without an error, at the next reading or during a pause. */
  signal?: AbortSignal;
  /**
   * Waits out a pause between readings; tests pass a fake. It receives `signal` and should
   * resolve early when it aborts (the stream then ends). Default: a timer that does so.
   */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Streams random readings from simulated sensors (see {@link createSensorSimulator}), paced to
 * `rate` if given. Reading `i` is due `i / rate` seconds after the first, by `clock`, so the
 * rate does not drift; a consumer that falls behind gets the overdue readings without pause.
 *
 * @throws {InvalidGeneratorOptionError} at the call, when an option is out of range.
 *
 * @example
 * for await (const reading of generateSensorReadings({ sensors: 3, seed: 42, count: 5, rate: 10 })) {
 *   console.log(JSON.stringify(reading));
 *   // first: {"id":"38a3abd8-55f9-47c5-841a-94784ec64d60","type":"Sensor","content":{"temperature_f":93.73,"time_of_measurement":"<now, UTC>"}}
 * }
 */
export function generateSensorReadings(options: GenerateSensorReadingsOptions = {}): AsyncIterable<SensorReading> {
  const { simulator, pacing } = prepare(options);
  return paceReadings(simulator, pacing);
}

/** Options of {@link generateSensorReadingBatches}. */
export interface GenerateSensorReadingBatchesOptions extends GenerateSensorReadingsOptions {
  /** Readings per batch at most; an integer of at least 1. Default 1024. */
  maxBatch?: number;
}

/**
 * The readings of {@link generateSensorReadings} (same seed, same sequence, same pacing), in
 * arrays: each holds the readings due by the time it is made, at least one and at most
 * `maxBatch` (as fast as the consumer pulls: `maxBatch`). For hot loops that would otherwise
 * pay an async step per reading. A batch is made when it is pulled, so a consumer that waits
 * (say, for a broker's confirms) holds at most one batch of readings generated ahead.
 *
 * @throws {InvalidGeneratorOptionError} at the call, when an option is out of range.
 *
 * @example
 * for await (const batch of generateSensorReadingBatches({ count: 10_000 })) {
 *   for (const reading of batch) publish(reading);
 * }
 */
export function generateSensorReadingBatches(
  options: GenerateSensorReadingBatchesOptions = {},
): AsyncIterable<SensorReading[]> {
  const { maxBatch = READINGS_BETWEEN_YIELDS } = options;
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) {
    throw new InvalidGeneratorOptionError('maxBatch', maxBatch, 'an integer of at least 1');
  }
  const { simulator, pacing } = prepare(options);
  return paceBatches(simulator, pacing, maxBatch);
}

interface Pacing {
  count: number;
  rate: number;
  clock: Clock;
  signal: AbortSignal | undefined;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

function prepare(options: GenerateSensorReadingsOptions): { simulator: SensorSimulator; pacing: Pacing } {
  const { count, rate = 0, signal, sleep = abortableSleep, clock = Date.now } = options;
  if (count !== undefined && (!Number.isSafeInteger(count) || count < 0)) {
    throw new InvalidGeneratorOptionError('count', count, 'an integer of at least 0');
  }
  if (!Number.isFinite(rate) || rate < 0) {
    throw new InvalidGeneratorOptionError('rate', rate, 'a finite number of at least 0');
  }
  const simulator = createSensorSimulator({ ...options, clock });
  return { simulator, pacing: { count: count ?? Infinity, rate, clock, signal, sleep } };
}

/**
 * How long to wait before reading `i`, given when reading 0 was made: reading `i` is due
 * `i / rate` s after it. A wall clock can stand still or step back: never longer than one interval.
 */
function waitBefore(i: number, start: number, now: number, rate: number): number {
  return Math.min(1000 / rate, start + (i * 1000) / rate - now);
}

async function* paceReadings(
  simulator: SensorSimulator,
  { count, rate, clock, signal, sleep }: Pacing,
): AsyncGenerator<SensorReading, void, undefined> {
  let start = 0;
  for (let i = 0; i < count; i++) {
    if (i > 0 && i % READINGS_BETWEEN_YIELDS === 0) await yieldToEventLoop();
    if (signal?.aborted) return;
    if (rate > 0) {
      const now = readClock(clock);
      if (i === 0) start = now;
      const wait = waitBefore(i, start, now, rate);
      if (wait > 0) await sleep(wait, signal);
      if (signal?.aborted) return;
    }
    yield simulator.next();
  }
}

async function* paceBatches(
  simulator: SensorSimulator,
  { count, rate, clock, signal, sleep }: Pacing,
  maxBatch: number,
): AsyncGenerator<SensorReading[], void, undefined> {
  let start = 0;
  let sinceYield = 0;
  for (let i = 0; i < count; ) {
    if (sinceYield >= READINGS_BETWEEN_YIELDS) {
      sinceYield = 0;
      await yieldToEventLoop();
    }
    if (signal?.aborted) return;
    let size = Math.min(maxBatch, count - i);
    if (rate > 0) {
      let now = readClock(clock);
      if (i === 0) start = now;
      const wait = waitBefore(i, start, now, rate);
      if (wait > 0) {
        await sleep(wait, signal);
        if (signal?.aborted) return;
        sinceYield = 0;
        now = readClock(clock);
      }
      // Reading i is due now (or waited for); so are those due by the clock's present time.
      const due = Math.floor(((now - start) * rate) / 1000) + 1;
      size = Math.max(1, Math.min(size, due - i));
    }
    const batch: SensorReading[] = new Array<SensorReading>(size);
    for (let k = 0; k < size; k++) batch[k] = simulator.next();
    i += size;
    sinceYield += size;
    yield batch;
  }
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch((err: unknown) => {
    if (!signal?.aborted) throw err;
  });
}
