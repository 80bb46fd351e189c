import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startApp, waitFor, type AppProcess } from '@sensors/testing';
import { createPipeline, type Pipeline } from './pipeline-fixture';

let pipeline: Pipeline;
let dir: string;

beforeAll(async () => {
  pipeline = await createPipeline();
  dir = mkdtempSync(join(tmpdir(), 'sensors-config-e2e-'));
});

afterAll(async () => {
  await pipeline.teardown();
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const output = (app: AppProcess) =>
  app.logs.map((l) => (typeof l['raw'] === 'string' ? l['raw'] : JSON.stringify(l))).join('\n');

describe('one config file for both apps', () => {
  it('runs the pipeline from shared keys, a section per app, ${VAR} and a *_FILE secret', async () => {
    const { env } = pipeline;
    const config = write(
      'sensors.yaml',
      [
        `exchange: ${env['SENSORS_EXCHANGE']}`,
        `queue: ${env['SENSORS_QUEUE']}`,
        'progress-interval-ms: 0',
        'metrics-port: 0',
        'publisher:',
        '  count: 300',
        '  rate: ${E2E_RATE:-0}',
        '  seed: config-file',
        'consumer:',
        '  database-url: ${E2E_DATABASE_URL}',
        '  batch-size: 50',
      ].join('\n'),
    );
    const amqpUrlFile = write('amqp-url', `${env['SENSORS_AMQP_URL']}\n`);
    // Only the file and the secret: no SENSORS_QUEUE, SENSORS_DATABASE_URL, … in the environment.
    const appEnv = { SENSORS_CONFIG: config, SENSORS_AMQP_URL_FILE: amqpUrlFile, E2E_DATABASE_URL: pipeline.db.url };
    const consumer = startApp('consumer', [], appEnv);
    try {
      await waitFor('the consumer to start', () => consumer.logs.some((l) => l['msg'] === 'consumer started'));
      expect(consumer.logs.find((l) => l['msg'] === 'consumer started')).toMatchObject({ batchSize: 50 });
      const publisher = startApp('publisher', [], appEnv);
      expect(await publisher.exited).toBe(0);
      await waitFor('300 rows', async () => (await pipeline.storedCount()) >= 300, { timeoutMs: 60_000 });
      expect(await pipeline.storedCount()).toBe(300);
    } finally {
      expect(await consumer.stop()).toBe(0);
    }
  });
});

describe('old option names', () => {
  it('are read at start-up with a warning naming the new one', async () => {
    // The old variable wins over the old config file key, as the new names would.
    const config = write('old-names.yaml', 'consumer:\n  flush-interval-ms: 25\n');
    const consumer = startApp('consumer', [], {
      ...pipeline.env,
      SENSORS_CONFIG: config,
      SENSORS_FLUSH_INTERVAL_MS: '30',
    });
    try {
      await waitFor('the consumer to start', () => consumer.logs.some((l) => l['msg'] === 'consumer started'));
      expect(consumer.logs.find((l) => l['msg'] === 'consumer started')).toMatchObject({ batchLingerMs: 30 });
      expect(consumer.logs).toContainEqual(
        expect.objectContaining({
          level: 40,
          msg: 'deprecated environment variable: read for this release only, rename it',
          variable: 'SENSORS_FLUSH_INTERVAL_MS',
          replacement: 'SENSORS_BATCH_LINGER_MS',
        }),
      );
      expect(consumer.logs).toContainEqual(
        expect.objectContaining({
          level: 40,
          msg: 'deprecated option: read for this release only, rename it',
          option: 'flush-interval-ms',
          replacement: 'batch-linger-ms',
          origin: 'config file',
        }),
      );
    } finally {
      expect(await consumer.stop()).toBe(0);
    }
  });
});

describe('check-config', () => {
  it('validates both apps and exits 0 without connecting to anything', async () => {
    const nowhere = await freePort();
    const config = write('nowhere.yaml', `amqp-url: amqp://app:s3cret-pw@127.0.0.1:${nowhere}\n`);
    const env = { SENSORS_CONFIG: config, SENSORS_DATABASE_URL: `postgres://app:s3cret-pw@127.0.0.1:${nowhere}/x` };
    for (const name of ['publisher', 'consumer'] as const) {
      const app = startApp(name, ['check-config'], env);
      expect(await app.exited).toBe(0);
      expect(output(app)).toContain('configuration valid');
      expect(output(app)).not.toContain('s3cret-pw');
      expect(output(app)).not.toMatch(/unreachable|connected/);
    }
  });

  it('exits non-zero on an unknown key in its section, without quoting the file', async () => {
    const config = write('typo.yaml', 'amqp-url: amqp://app:s3cret-pw@127.0.0.1:5672\nconsumer:\n  bach-size: 5\n');
    const consumer = startApp('consumer', ['check-config'], { SENSORS_CONFIG: config });
    expect(await consumer.exited).not.toBe(0);
    expect(output(consumer)).toContain('unknown option "bach-size" (in "consumer")');
    expect(output(consumer)).not.toContain('s3cret-pw');
    // The publisher does not read the consumer's section.
    const publisher = startApp('publisher', ['check-config'], { SENSORS_CONFIG: config });
    expect(await publisher.exited).toBe(0);
  });
});
