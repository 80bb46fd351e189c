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
      flushIntervalMs: 50,
      prefetch: 2000,
      migrateOnStart: true,
    });
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
