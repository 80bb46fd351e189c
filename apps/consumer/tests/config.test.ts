import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConsumerConfig } from '../src/config';

const saved = { ...process.env };

afterEach(() => {
  process.env = { ...saved };
});

describe('loadConsumerConfig', () => {
  it('has working defaults', () => {
    for (const name of ['AMQP_URL', 'DATABASE_URL', 'BATCH_SIZE', 'SENSORS_QUEUE']) delete process.env[name];
    expect(loadConsumerConfig([], { exitOverride: true })).toMatchObject({
      command: 'run',
      amqpUrls: ['amqp://guest:guest@127.0.0.1:5672'],
      queue: 'sensor-readings',
      queueType: 'quorum',
      batchSize: 1000,
      flushIntervalMs: 10,
      prefetch: 2000,
      migrateOnStart: true,
      maxRedeliveries: 5,
    });
  });

  it('refuses a redelivery limit the broker would reach first', () => {
    expect(() => loadConsumerConfig(['--max-redeliveries', '20'], { exitOverride: true })).toThrow(
      /--max-redeliveries \(20\) must be below the queue's delivery limit \(20\)/,
    );
  });

  it('takes the environment and lets flags win over it', () => {
    process.env['BATCH_SIZE'] = '500';
    process.env['SENSORS_QUEUE'] = 'from-env';
    process.env['AMQP_URL'] = 'amqp://a:5672,amqp://b:5672';
    const config = loadConsumerConfig(['--queue', 'from-flag', 'migrate'], { exitOverride: true });
    expect(config).toMatchObject({
      batchSize: 500,
      queue: 'from-flag',
      command: 'migrate',
      amqpUrls: ['amqp://a:5672', 'amqp://b:5672'],
    });
  });

  it('names the variable and the value when an environment value is bad', () => {
    process.env['BATCH_SIZE'] = 'lots';
    expect(() => loadConsumerConfig([], { exitOverride: true })).toThrow(/BATCH_SIZE.*lots|lots.*BATCH_SIZE/);
  });

  it('names the flag when a flag value is bad', () => {
    expect(() => loadConsumerConfig(['--flush-interval-ms', '-5'], { exitOverride: true })).toThrow(
      /--flush-interval-ms/,
    );
  });

  it('never echoes a malformed database URL, which may be a password', () => {
    process.env['DATABASE_URL'] = 'hunter2';
    expect(() => loadConsumerConfig([], { exitOverride: true })).toThrow(/value hidden/);
    try {
      loadConsumerConfig([], { exitOverride: true });
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
  });

  it('turns start-up migrations off from the environment', () => {
    process.env['MIGRATE_ON_START'] = 'false';
    expect(loadConsumerConfig([], { exitOverride: true }).migrateOnStart).toBe(false);
  });
});

describe('loadConsumerConfig with a config file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'consumer-config-'));
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads YAML below the environment and flags', () => {
    const path = write('consumer.yaml', 'batch-size: 250\nprefetch: 500\nqueue: from-file\nqueue-type: classic\n');
    process.env['PREFETCH'] = '700';
    const config = loadConsumerConfig(['--config', path, '--queue', 'from-flag'], { exitOverride: true });
    expect(config).toMatchObject({ batchSize: 250, prefetch: 700, queue: 'from-flag', queueType: 'classic' });
  });

  it('reads JSON named by SENSORS_CONFIG', () => {
    process.env['SENSORS_CONFIG'] = write(
      'consumer.json',
      JSON.stringify({ 'flush-interval-ms': 20, 'migrate-on-start': false }),
    );
    expect(loadConsumerConfig([], { exitOverride: true })).toMatchObject({
      flushIntervalMs: 20,
      migrateOnStart: false,
    });
  });

  it('names the file, the key and the value when a value is invalid', () => {
    const path = write('bad.yaml', 'batch-size: lots\n');
    expect(() => loadConsumerConfig(['--config', path], { exitOverride: true })).toThrow(
      `config file ${path}: "batch-size" value "lots" is invalid`,
    );
  });

  it('rejects an unknown key', () => {
    const path = write('typo.yaml', 'bach-size: 5\n');
    expect(() => loadConsumerConfig(['--config', path], { exitOverride: true })).toThrow('unknown option "bach-size"');
  });

  it('says when the file cannot be read', () => {
    expect(() => loadConsumerConfig(['--config', join(dir, 'missing.yaml')], { exitOverride: true })).toThrow(
      /cannot read config file/,
    );
  });
});

describe('loadConsumerConfig database roles', () => {
  it('uses the owner role for migrations and the app role for writes by default', () => {
    delete process.env['DATABASE_URL'];
    delete process.env['DATABASE_MIGRATION_URL'];
    expect(loadConsumerConfig([], { exitOverride: true })).toMatchObject({
      databaseUrl: 'postgres://sensors_app:sensors_app@127.0.0.1:5432/sensors',
      migrationDatabaseUrl: 'postgres://sensors_owner:sensors_owner@127.0.0.1:5432/sensors',
    });
  });

  it('migrates with DATABASE_URL when only that is given', () => {
    delete process.env['DATABASE_MIGRATION_URL'];
    process.env['DATABASE_URL'] = 'postgres://one@db/sensors';
    expect(loadConsumerConfig([], { exitOverride: true }).migrationDatabaseUrl).toBe('postgres://one@db/sensors');
  });

  it('takes DATABASE_MIGRATION_URL when given', () => {
    process.env['DATABASE_URL'] = 'postgres://app@db/sensors';
    process.env['DATABASE_MIGRATION_URL'] = 'postgres://owner@db/sensors';
    expect(loadConsumerConfig([], { exitOverride: true }).migrationDatabaseUrl).toBe('postgres://owner@db/sensors');
  });
});
