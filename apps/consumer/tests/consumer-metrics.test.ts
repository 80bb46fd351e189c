import { Histogram, Registry } from 'prom-client';
import type { EnrichedSensorReading } from '@sensors/sensor-model';
import { newConsumerStats } from '../src/consume-readings';
import { registerConsumerMetrics, type ConsumerGauges } from '../src/consumer-metrics';

const LATENCY = 'sensors_reading_latency_seconds';
const NOW = Date.parse('2026-12-01T12:00:10.000Z');

const gauges: ConsumerGauges = {
  unacked: () => 0,
  bufferedReadings: () => 0,
  queueDepth: () => Promise.resolve(0),
  databaseHealthy: () => true,
  brokerConnected: () => true,
  reconnects: () => ({}),
};

function reading(time: string): EnrichedSensorReading {
  return { id: time, type: 'Sensor', content: { temperature_f: 90, temperature_c: 32.2, time_of_measurement: time } };
}

/** Runs of readings of one time, a time seen again after another, one in an offset, one after the commit. */
const batches: EnrichedSensorReading[][] = [
  [
    ...Array.from({ length: 100 }, () => reading('2026-12-01T12:00:09.987Z')),
    ...Array.from({ length: 3 }, () => reading('2026-12-01T12:00:09.5Z')),
    reading('2026-12-01T12:00:09.987Z'),
    reading('2026-12-01T13:00:09.9+01:00'),
  ],
  [reading('2026-12-01T12:00:10.002Z')],
  Array.from({ length: 250 }, () => reading('2026-12-01T11:59:00Z')),
];

describe('registerConsumerMetrics', () => {
  beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(NOW));
  afterEach(() => jest.restoreAllMocks());

  it("exposes the latency histogram a per-reading prom-client histogram would, every reading's delay counted", async () => {
    const registry = new Registry();
    const metrics = registerConsumerMetrics(registry, newConsumerStats(), gauges);
    const reference = new Registry();
    const perReading = new Histogram({
      name: LATENCY,
      help: "From a reading's time_of_measurement to its commit in Postgres.",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [reference],
    });
    for (const batch of batches) {
      metrics.observeBatch(batch, 0.01);
      for (const r of batch) perReading.observe((NOW - Date.parse(r.content.time_of_measurement)) / 1000);
    }
    expect(await registry.getSingleMetricAsString(LATENCY)).toBe(await reference.getSingleMetricAsString(LATENCY));
    expect(await registry.getSingleMetricAsString(LATENCY)).toContain(`${LATENCY}_count 356`);
  });
});
