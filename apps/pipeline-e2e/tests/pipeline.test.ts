import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createSensorSimulator } from '@sensors/sensor-generator';
import { countQueueMessages, waitFor, type StoredReadingRow } from '@sensors/testing';
import { createPipeline, type Pipeline } from './pipeline-fixture';

type Row = StoredReadingRow;

let pipeline: Pipeline;
beforeAll(async () => (pipeline = await createPipeline()));
afterAll(() => pipeline.teardown());

describe('the pipeline', () => {
  it('stores 10,000 seeded readings exactly once, each row as the generator made it', async () => {
    const consumer = await pipeline.startConsumer();
    const startedAt = Date.now();
    const publisher = pipeline.publish(['--count', '10000', '--rate', '0', '--seed', 'e2e', '--sensors', '7']);
    expect(await publisher.exited).toBe(0);
    const finishedAt = Date.now();
    await waitFor('10,000 rows', async () => (await pipeline.storedCount()) >= 10_000, { timeoutMs: 120_000 });

    const rows = await pipeline.db.query<Row>('SELECT * FROM sensor_readings');
    expect(rows).toHaveLength(10_000);
    const simulator = createSensorSimulator({ seed: 'e2e', sensors: 7 });
    const expected = new Map(Array.from({ length: 10_000 }, () => simulator.next()).map((r) => [r.id, r]));
    let previous = 0;
    for (const row of rows.sort((a, b) => a.measured_at.getTime() - b.measured_at.getTime())) {
      const reading = expected.get(row.id);
      expect(reading).toBeDefined();
      expect(row.sensor_type).toBe('Sensor');
      expect(row.temperature_f).toBe(reading?.content.temperature_f);
      expect(row.temperature_c).toBe(((row.temperature_f - 32) * 5) / 9);
      // The publisher's clock stamped each reading while it ran; a time zone mix-up would be hours off.
      expect(row.measured_at.getTime()).toBeGreaterThanOrEqual(startedAt - 1000);
      expect(row.measured_at.getTime()).toBeLessThanOrEqual(finishedAt + 1000);
      expect(row.ingested_at.getTime()).toBeGreaterThanOrEqual(row.measured_at.getTime() - 1000);
      expect(row.measured_at.getTime()).toBeGreaterThanOrEqual(previous);
      previous = row.measured_at.getTime();
    }
    await waitFor('the queue to drain', async () => (await countQueueMessages(pipeline.queue)) === 0);
    expect(await consumer.stop()).toBe(0);
  });

  it('stores nothing twice when the same readings are published again', async () => {
    // A reading is its id at its time: the same id and time with the same values is a redelivery.
    const again = await pipeline.db.query<Row>('SELECT * FROM sensor_readings ORDER BY measured_at LIMIT 500');
    const file = join(mkdtempSync(join(tmpdir(), 'sensors-again-')), 'again.ndjson');
    writeFileSync(
      file,
      again
        .map((row) =>
          JSON.stringify({
            id: row.id,
            type: row.sensor_type,
            content: { temperature_f: row.temperature_f, time_of_measurement: row.measured_at.toISOString() },
          }),
        )
        .join('\n'),
    );
    const consumer = await pipeline.startConsumer();
    const publisher = pipeline.publish(['--source', 'file', '--file', file]);
    expect(await publisher.exited).toBe(0);
    await waitFor('the queue to drain', async () => (await countQueueMessages(pipeline.queue)) === 0);
    expect(await consumer.stop()).toBe(0);
    rmSync(dirname(file), { recursive: true, force: true });
    expect(await pipeline.storedCount()).toBe(10_000);
    expect(consumer.logs.find((l) => l['msg'] === 'consumer stopped')).toMatchObject({ stored: 0, duplicates: 500 });
  });

  it('dead-letters a conflicting reading and an expired one with their reasons, and stores the rest', async () => {
    const [stored] = await pipeline.db.query<Row>('SELECT * FROM sensor_readings ORDER BY measured_at LIMIT 1');
    const line = (id: string, temperature_f: number, time: string) =>
      JSON.stringify({ id, type: 'Sensor', content: { temperature_f, time_of_measurement: time } });
    const file = join(mkdtempSync(join(tmpdir(), 'sensors-conflict-')), 'conflict.ndjson');
    writeFileSync(
      file,
      [
        line(stored.id, stored.temperature_f + 1, stored.measured_at.toISOString()),
        line('expired-1', 70, '2019-06-24T15:00:00Z'),
        line('fresh-1', 70, new Date().toISOString()),
      ].join('\n'),
    );
    const consumer = await pipeline.startConsumer({ SENSORS_RETENTION: '1h' });
    const publisher = pipeline.publish(['--source', 'file', '--file', file]);
    expect(await publisher.exited).toBe(0);
    await waitFor('the fresh reading', async () => (await pipeline.storedCount()) === 10_001);
    await waitFor('two dead letters', async () => (await countQueueMessages(`${pipeline.queue}.dead-letter`)) === 2);
    expect(await consumer.stop()).toBe(0);
    rmSync(dirname(file), { recursive: true, force: true });

    const deadLettered = consumer.logs
      .filter((l) => l['msg'] === 'reading dead-lettered')
      .map((l) => JSON.stringify(l));
    expect(deadLettered).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`conflicting-reading.*${stored.id}.*temperature_f ${stored.temperature_f}`)),
        expect.stringMatching(/expired.*expired-1/),
      ]),
    );
    const [{ temperature_f }] = await pipeline.db.query<Row>('SELECT * FROM sensor_readings WHERE id = $1', [
      stored.id,
    ]);
    expect(temperature_f).toBe(stored.temperature_f);
  });
});
