import {
  createTestDatabase,
  deleteBrokerObjects,
  startApp,
  testAmqpUrl,
  uniqueName,
  waitFor,
  type AppProcess,
  type TestDatabase,
} from '@sensors/testing';

/** Both apps' settings for one test file: its own database, exchange and queue. */
export interface Pipeline {
  db: TestDatabase;
  env: Record<string, string>;
  queue: string;
  startConsumer(extraEnv?: Record<string, string>): Promise<AppProcess>;
  publish(args: string[]): AppProcess;
  storedCount(): Promise<number>;
  /** Rows stored whose id starts with `idPrefix`, and their distinct ids. */
  countStored(idPrefix: string): Promise<{ rows: number; ids: number }>;
  teardown(): Promise<void>;
}

export async function createPipeline(): Promise<Pipeline> {
  const db = await createTestDatabase('sensors_e2e');
  const queue = uniqueName('e2e_readings');
  const exchange = uniqueName('e2e_sensors');
  const env = {
    SENSORS_AMQP_URL: testAmqpUrl,
    SENSORS_DATABASE_URL: db.url,
    SENSORS_QUEUE: queue,
    SENSORS_EXCHANGE: exchange,
    SENSORS_ROUTING_KEY: 'e2e.reading',
    SENSORS_PROGRESS_INTERVAL_MS: '0',
    SENSORS_METRICS_PORT: '0',
  };
  const started: AppProcess[] = [];
  return {
    db,
    env,
    queue,
    async startConsumer(extraEnv = {}) {
      const consumer = startApp('consumer', [], { ...env, ...extraEnv });
      started.push(consumer);
      await waitFor('the consumer to start', () => consumer.logs.some((l) => l['msg'] === 'consumer started'));
      return consumer;
    },
    publish(args) {
      const publisher = startApp('publisher', args, env);
      started.push(publisher);
      return publisher;
    },
    async storedCount() {
      const [{ count }] = await db.query<{ count: string }>('SELECT count(*) FROM sensor_readings');
      return Number(count);
    },
    async countStored(idPrefix) {
      const [{ rows, ids }] = await db.query<{ rows: string; ids: string }>(
        'SELECT count(*) AS rows, count(DISTINCT id) AS ids FROM sensor_readings WHERE starts_with(id, $1)',
        [idPrefix],
      );
      return { rows: Number(rows), ids: Number(ids) };
    },
    async teardown() {
      await Promise.all(started.map((app) => app.stop()));
      await db.drop();
      await deleteBrokerObjects({
        queues: [queue, `${queue}.dead-letter`],
        exchanges: [exchange, `${queue}.dead-letter`],
      });
    },
  };
}
