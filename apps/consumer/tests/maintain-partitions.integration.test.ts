import pino from 'pino';
import { Registry } from 'prom-client';
import { freePort, createTestDatabase, type TestDatabase } from '@sensors/testing';
import { createDataSource, migrate } from '@sensors/persistence';
import { registerPartitionMetrics, startPartitionMaintenance } from '../src/maintain-partitions';

describe('startPartitionMaintenance', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
    const dataSource = await createDataSource({ url: database.url }).initialize();
    await migrate(dataSource);
    await dataSource.destroy();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('creates the partitions before it resolves and counts drops in its metrics', async () => {
    const registry = new Registry();
    const maintainer = await startPartitionMaintenance({
      ownerUrl: database.url,
      config: { period: 'day', retentionMs: 90 * 86_400_000 },
      log: pino({ level: 'silent' }),
      totals: registerPartitionMetrics(registry),
    });
    try {
      const partitions = await database.query<{ count: number }>(
        "SELECT count(*)::int AS count FROM pg_inherits WHERE inhparent = 'sensor_readings'::regclass",
      );
      expect(partitions).toEqual([{ count: 4 }]);
      expect(maintainer.notBefore()?.getTime()).toBeLessThanOrEqual(Date.now() - 90 * 86_400_000);
      const metrics = await registry.metrics();
      expect(metrics).toContain('sensors_partitions_dropped_total 0');
      expect(metrics).toContain('sensors_expired_rows_deleted_total 0');
    } finally {
      await maintainer.stop();
      await maintainer.stop();
    }
  });

  it('counts a failed run and keeps going, refusing nothing when everything is kept', async () => {
    const registry = new Registry();
    const maintainer = await startPartitionMaintenance({
      ownerUrl: `postgres://postgres@127.0.0.1:${await freePort()}/postgres`,
      config: { period: 'day' },
      log: pino({ level: 'silent' }),
      totals: registerPartitionMetrics(registry),
    });
    await maintainer.stop();
    expect(await registry.metrics()).toContain('sensors_partition_maintenance_failures_total 1');
    expect(maintainer.notBefore()).toBeUndefined();
  });
});
