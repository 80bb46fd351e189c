import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  countQueueMessages,
  freePort,
  metricsPortOf,
  promtoolComplaints,
  scrapeMetrics,
  startApp,
  waitFor,
} from '@sensors/testing';
import { createPipeline, type Pipeline } from './pipeline-fixture';

let pipeline: Pipeline;
beforeAll(async () => (pipeline = await createPipeline()));
afterAll(() => pipeline.teardown());

/** Every metric a scrape declares (`# TYPE`), even one with no series yet, and every sample's name. */
function exportedNames(text: string): string[] {
  const declared = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]);
  const samples = text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(/[{ ]/)[0]);
  return [...declared, ...samples];
}

describe('operating the apps', () => {
  it('serves metrics that pass promtool, health and readiness, and NDJSON logs', async () => {
    const consumer = await pipeline.startConsumer();
    const publisher = pipeline.publish([
      '--count',
      '3000',
      '--rate',
      '1000',
      '--seed',
      'ops',
      '--progress-interval-ms',
      '500',
    ]);
    const [consumerPort, publisherPort] = await Promise.all([metricsPortOf(consumer), metricsPortOf(publisher)]);
    await waitFor('some readings stored', async () => (await pipeline.storedCount()) > 0);
    const publisherMetrics = await scrapeMetrics(publisherPort);
    expect(await promtoolComplaints(publisherMetrics)).toBe('');
    expect(await publisher.exited).toBe(0);
    await waitFor('3,000 rows', async () => (await pipeline.storedCount()) === 3000, { timeoutMs: 60_000 });
    await waitFor('the queue to drain', async () => (await countQueueMessages(pipeline.queue)) === 0);

    const consumerMetrics = await scrapeMetrics(consumerPort);
    expect(await promtoolComplaints(consumerMetrics)).toBe('');
    expect(consumerMetrics).toMatch(/^sensors_readings_stored_total 3000$/m);
    expect(consumerMetrics).toMatch(/^sensors_batch_size_readings_count [1-9]/m);
    expect(consumerMetrics).toMatch(/^sensors_reading_latency_seconds_count 3000$/m);
    expect(publisherMetrics).toMatch(/^sensors_readings_confirmed_total [1-9]/m);

    const ready = await fetch(`http://127.0.0.1:${consumerPort}/readyz`);
    expect(ready.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${consumerPort}/healthz`)).status).toBe(200);

    const progress = publisher.logs.filter((l) => l['msg'] === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toMatchObject({ app: 'publisher', component: 'progress', confirmed: expect.any(Number) });
    expect([...consumer.logs, ...publisher.logs].filter((l) => 'raw' in l)).toEqual([]);

    // Every metric the Grafana dashboard queries is one the apps export.
    const dashboard = readFileSync(
      join(__dirname, '../../../tools/monitoring/grafana/dashboards/sensors.json'),
      'utf8',
    );
    const queried = new Set(dashboard.match(/\b(?:sensors|process|nodejs)_[a-z_]+\b/g));
    const exported = new Set([...exportedNames(publisherMetrics), ...exportedNames(consumerMetrics)]);
    expect([...queried].filter((name) => !exported.has(name))).toEqual([]);
    expect(queried.size).toBeGreaterThan(10);
    expect(await consumer.stop()).toBe(0);
  });

  it('answers /readyz 503 with the reason while a service is missing, and never logs a password', async () => {
    const port = await freePort();
    const consumer = startApp('consumer', [], {
      ...pipeline.env,
      SENSORS_DATABASE_URL: `postgres://sensors:s3cret-pw@127.0.0.1:${port}/sensors`,
    });
    const publisher = startApp('publisher', [], {
      ...pipeline.env,
      SENSORS_AMQP_URL: `amqp://guest:an0ther-pw@127.0.0.1:${port}`,
    });
    try {
      const consumerPort = await metricsPortOf(consumer);
      await waitFor('the consumer to retry', () =>
        consumer.logs.some((l) => l['msg'] === 'database unreachable, retrying'),
      );
      const starting = await fetch(`http://127.0.0.1:${consumerPort}/readyz`);
      expect(starting.status).toBe(503);
      expect(await starting.json()).toEqual({
        ready: false,
        reasons: ['database not connected yet', 'broker not connected'],
      });
      await waitFor('the publisher to retry', () =>
        publisher.logs.some((l) => l['msg'] === 'broker unreachable, retrying'),
      );
      const publisherPort = await metricsPortOf(publisher);
      const notReady = await fetch(`http://127.0.0.1:${publisherPort}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ ready: false, reasons: ['broker not connected'] });
      expect((await fetch(`http://127.0.0.1:${publisherPort}/healthz`)).status).toBe(200);
    } finally {
      await Promise.all([consumer.stop(), publisher.stop()]);
    }
    const everything = JSON.stringify([...consumer.logs, ...publisher.logs]);
    expect(everything).toContain('sensors:***@');
    expect(everything).not.toContain('s3cret-pw');
    expect(everything).not.toContain('an0ther-pw');
  });
});
