import { createSensorSimulator } from '@sensors/sensor-generator';
import {
  closeBrokerConnections,
  countQueueMessages,
  readMetric,
  terminateDatabaseSessions,
  waitFor,
} from '@sensors/testing';
import { createPipeline, type Pipeline } from './pipeline-fixture';

let pipeline: Pipeline;
beforeAll(async () => (pipeline = await createPipeline()));
afterAll(() => pipeline.teardown());

describe('the pipeline under restarts', () => {
  it('stores every confirmed reading exactly once while broker and database connections are cut', async () => {
    const total = 50_000;
    const consumer = await pipeline.startConsumer();
    const publisher = pipeline.publish([
      '--count',
      String(total),
      '--rate',
      '5000',
      '--seed',
      'restarts',
      '--sensors',
      '20',
    ]);
    // The consumer runs throughout, so its connection is always there to cut; the publisher's
    // only while it still publishes (on a fast run it may have finished before a cut).
    const cutBroker = async () => {
      expect(await closeBrokerConnections(`sensors-publisher:${pipeline.queue}`)).toBeLessThanOrEqual(1);
      expect(await closeBrokerConnections(`sensors-consumer:${pipeline.queue}`)).toBe(1);
    };
    const cutDatabase = async () => {
      // The pool closes idle sessions, so there may be none at this instant: cut the next one.
      await waitFor(
        'a consumer session to cut',
        async () => (await terminateDatabaseSessions('sensors-consumer', pipeline.db.name)) > 0,
      );
    };

    await waitFor('a first share stored', async () => (await pipeline.storedCount()) >= 5_000, { timeoutMs: 60_000 });
    await cutBroker();
    await waitFor('more stored', async () => (await pipeline.storedCount()) >= 15_000, { timeoutMs: 60_000 });
    await cutDatabase();
    await waitFor('still more stored', async () => (await pipeline.storedCount()) >= 25_000, { timeoutMs: 60_000 });
    await Promise.all([cutBroker(), cutDatabase()]);

    expect(await publisher.exited).toBe(0);
    await waitFor('every reading stored', async () => (await pipeline.storedCount()) >= total, { timeoutMs: 120_000 });
    await waitFor('the queue to drain', async () => (await countQueueMessages(pipeline.queue)) === 0, {
      timeoutMs: 30_000,
    });

    const simulator = createSensorSimulator({ seed: 'restarts', sensors: 20 });
    const expectedIds = Array.from({ length: total }, () => simulator.next().id);
    const rows = await pipeline.db.query<{ id: string }>('SELECT id FROM sensor_readings');
    expect(rows).toHaveLength(total);
    const stored = new Set(rows.map((r) => r.id));
    expect(expectedIds.filter((id) => !stored.has(id))).toEqual([]);
    // The broker closed the consumer's connection twice (cutBroker); the consumer says it came back each time.
    await waitFor(
      'the consumer to count both broker reconnects',
      async () => ((await readMetric(consumer, 'sensors_reconnects_total', { target: 'broker' })) ?? 0) >= 2,
    );
    expect(await consumer.stop()).toBe(0);
  });
});
