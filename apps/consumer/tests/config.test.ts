import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConsumerConfig } from '../src/check-consumer-config';
import { loadConsumerConfig } from '../src/config';

const saved = { ...process.env };

beforeEach(() => {
  // No setting leaks in from the shell that runs the tests.
  for (const name of Object.keys(process.env)) if (name.startsWith('SENSORS_')) delete process.env[name];
});

afterEach(() => {
  process.env = { ...saved };
});

describe('loadConsumerConfig', () => {
  it('has working defaults, grouped by concern', () => {
    for (const name of ['AMQP_URL', 'DATABASE_URL']) delete process.env[name];
    expect(loadConsumerConfig([], { exitOverride: true })).toMatchObject({
      command: 'run',
      amqp: { urls: ['amqp://guest:guest@127.0.0.1:5672'] },
      topology: { queue: 'sensor-readings', routingKey: 'sensor.reading', queueType: 'quorum' },
      database: { migrateOnStart: true },
      batching: { batchSize: 1000, batchLingerMs: 10, prefetch: 2000, maxRedeliveries: 5 },
      partitions: { period: 'day', retentionMs: undefined },
      ops: { metricsPort: 9465 },
      renamedVariables: [],
      renamedOptions: [],
    });
  });

  it('refuses a redelivery limit the broker would reach first', () => {
    expect(() => loadConsumerConfig(['--max-redeliveries', '20'], { exitOverride: true })).toThrow(
      /--max-redeliveries \(20\) must be below the queue's delivery limit \(20\)/,
    );
  });

  it('takes the environment and lets flags win over it', () => {
    process.env['SENSORS_BATCH_SIZE'] = '500';
    process.env['SENSORS_QUEUE'] = 'from-env';
    process.env['SENSORS_AMQP_URL'] = 'amqp://a:5672,amqp://b:5672';
    const config = loadConsumerConfig(['--queue', 'from-flag', 'migrate'], { exitOverride: true });
    expect(config).toMatchObject({
      batching: { batchSize: 500 },
      topology: { queue: 'from-flag' },
      command: 'migrate',
      amqp: { urls: ['amqp://a:5672', 'amqp://b:5672'] },
    });
  });

  it('names the variable and the value when an environment value is bad', () => {
    process.env['SENSORS_BATCH_SIZE'] = 'lots';
    expect(() => loadConsumerConfig([], { exitOverride: true })).toThrow(
      /SENSORS_BATCH_SIZE.*lots|lots.*SENSORS_BATCH_SIZE/,
    );
  });

  it('names the flag when a flag value is bad', () => {
    expect(() => loadConsumerConfig(['--batch-linger-ms', '-5'], { exitOverride: true })).toThrow(/--batch-linger-ms/);
  });

  it('never echoes a malformed database URL, which may be a password', () => {
    process.env['SENSORS_DATABASE_URL'] = 'hunter2';
    expect(() => loadConsumerConfig([], { exitOverride: true })).toThrow(/value hidden/);
    try {
      loadConsumerConfig([], { exitOverride: true });
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
  });

  it('turns start-up migrations off from the environment', () => {
    process.env['SENSORS_MIGRATE_ON_START'] = 'false';
    expect(loadConsumerConfig([], { exitOverride: true }).database.migrateOnStart).toBe(false);
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
    process.env['SENSORS_PREFETCH'] = '700';
    const config = loadConsumerConfig(['--config', path, '--queue', 'from-flag'], { exitOverride: true });
    expect(config).toMatchObject({
      batching: { batchSize: 250, prefetch: 700 },
      topology: { queue: 'from-flag', queueType: 'classic' },
    });
  });

  it('reads JSON named by SENSORS_CONFIG', () => {
    process.env['SENSORS_CONFIG'] = write(
      'consumer.json',
      JSON.stringify({ 'batch-linger-ms': 20, 'migrate-on-start': false }),
    );
    expect(loadConsumerConfig([], { exitOverride: true })).toMatchObject({
      batching: { batchLingerMs: 20 },
      database: { migrateOnStart: false },
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

describe('loadConsumerConfig --flush-interval-ms, renamed --batch-linger-ms', () => {
  const dir = mkdtempSync(join(tmpdir(), 'consumer-renamed-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Only the old names under test are reported.
  beforeEach(() => ['AMQP_URL', 'DATABASE_URL', 'DATABASE_MIGRATION_URL'].forEach((name) => delete process.env[name]));

  it("takes the batches' linger from --batch-linger-ms and SENSORS_BATCH_LINGER_MS, flag first", () => {
    process.env['SENSORS_BATCH_LINGER_MS'] = '30';
    expect(loadConsumerConfig([], { exitOverride: true })).toMatchObject({
      batching: { batchLingerMs: 30 },
      renamedVariables: [],
      renamedOptions: [],
    });
    expect(loadConsumerConfig(['--batch-linger-ms', '40'], { exitOverride: true }).batching.batchLingerMs).toBe(40);
  });

  it('reads SENSORS_FLUSH_INTERVAL_MS for one more release and reports it', () => {
    process.env['SENSORS_FLUSH_INTERVAL_MS'] = '30';
    expect(loadConsumerConfig([], { exitOverride: true })).toMatchObject({
      batching: { batchLingerMs: 30 },
      renamedVariables: [{ variable: 'SENSORS_FLUSH_INTERVAL_MS', replacement: 'SENSORS_BATCH_LINGER_MS' }],
    });
  });

  it('reads the flag --flush-interval-ms for one more release and reports it', () => {
    expect(loadConsumerConfig(['--flush-interval-ms', '40'], { exitOverride: true })).toMatchObject({
      batching: { batchLingerMs: 40 },
      renamedOptions: [{ option: '--flush-interval-ms', replacement: '--batch-linger-ms', origin: 'command line' }],
    });
    expect(() => loadConsumerConfig(['--flush-interval-ms', '-5'], { exitOverride: true })).toThrow(
      /--flush-interval-ms/,
    );
  });

  it('reads the config file key flush-interval-ms for one more release and reports it', () => {
    const path = join(dir, 'old-key.yaml');
    writeFileSync(path, 'consumer:\n  flush-interval-ms: 50\n');
    expect(loadConsumerConfig(['--config', path], { exitOverride: true })).toMatchObject({
      batching: { batchLingerMs: 50 },
      renamedOptions: [{ option: 'flush-interval-ms', replacement: 'batch-linger-ms', origin: 'config file' }],
    });
  });

  it('prefers the new names when both are given', () => {
    process.env['SENSORS_FLUSH_INTERVAL_MS'] = '30';
    process.env['SENSORS_BATCH_LINGER_MS'] = '31';
    const argv = ['--flush-interval-ms', '40', '--batch-linger-ms', '41'];
    expect(loadConsumerConfig(argv, { exitOverride: true }).batching.batchLingerMs).toBe(41);
    expect(loadConsumerConfig([], { exitOverride: true })).toMatchObject({
      batching: { batchLingerMs: 31 },
      renamedVariables: [],
    });
    const path = join(dir, 'both-keys.yaml');
    writeFileSync(path, 'flush-interval-ms: 50\nbatch-linger-ms: 51\n');
    delete process.env['SENSORS_FLUSH_INTERVAL_MS'];
    delete process.env['SENSORS_BATCH_LINGER_MS'];
    expect(loadConsumerConfig(['--config', path], { exitOverride: true }).batching.batchLingerMs).toBe(51);
  });
});

describe('loadConsumerConfig database roles', () => {
  it('uses the owner role for migrations and the app role for writes by default', () => {
    delete process.env['DATABASE_URL'];
    delete process.env['DATABASE_MIGRATION_URL'];
    expect(loadConsumerConfig([], { exitOverride: true }).database).toMatchObject({
      url: 'postgres://sensors_app:sensors_app@127.0.0.1:5432/sensors',
      migrationUrl: 'postgres://sensors_owner:sensors_owner@127.0.0.1:5432/sensors',
    });
  });

  it('migrates with SENSORS_DATABASE_URL when only that is given', () => {
    delete process.env['DATABASE_MIGRATION_URL'];
    process.env['SENSORS_DATABASE_URL'] = 'postgres://one@db/sensors';
    expect(loadConsumerConfig([], { exitOverride: true }).database.migrationUrl).toBe('postgres://one@db/sensors');
  });

  it('takes SENSORS_DATABASE_MIGRATION_URL when given', () => {
    process.env['SENSORS_DATABASE_URL'] = 'postgres://app@db/sensors';
    process.env['SENSORS_DATABASE_MIGRATION_URL'] = 'postgres://owner@db/sensors';
    expect(loadConsumerConfig([], { exitOverride: true }).database.migrationUrl).toBe('postgres://owner@db/sensors');
  });
});

describe('loadConsumerConfig renamed variables and secrets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'consumer-secrets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads DATABASE_URL for one more release and reports it', () => {
    process.env['DATABASE_URL'] = 'postgres://old@db/sensors';
    const config = loadConsumerConfig([], { exitOverride: true });
    expect(config.database.url).toBe('postgres://old@db/sensors');
    expect(config.renamedVariables).toEqual([{ variable: 'DATABASE_URL', replacement: 'SENSORS_DATABASE_URL' }]);
  });

  it('ignores the old generic names', () => {
    Object.assign(process.env, { BATCH_SIZE: '7', PREFETCH: '7', RETENTION: '1d', LOG_LEVEL: 'debug' });
    expect(loadConsumerConfig([], { exitOverride: true })).toMatchObject({
      batching: { batchSize: 1000, prefetch: 2000 },
      partitions: { retentionMs: undefined },
      logging: { level: 'info' },
    });
  });

  it('reads the database URL from SENSORS_DATABASE_URL_FILE, dropping the trailing newline', () => {
    const path = join(dir, 'database-url');
    writeFileSync(path, 'postgres://app:s3cret@db/sensors\n');
    process.env['SENSORS_DATABASE_URL_FILE'] = path;
    expect(loadConsumerConfig([], { exitOverride: true }).database).toMatchObject({
      url: 'postgres://app:s3cret@db/sensors',
      migrationUrl: 'postgres://app:s3cret@db/sensors',
    });
  });
});

describe('loadConsumerConfig with a config file for both apps', () => {
  const dir = mkdtempSync(join(tmpdir(), 'consumer-shared-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the top level and its own section, skipping the publisher section', () => {
    const path = join(dir, 'sensors.yaml');
    writeFileSync(
      path,
      'queue: shared\nbatch-size: 100\nconsumer:\n  batch-size: 500\npublisher:\n  rate: 50\n  raet: typo\n',
    );
    expect(loadConsumerConfig(['--config', path], { exitOverride: true })).toMatchObject({
      topology: { queue: 'shared' },
      batching: { batchSize: 500 },
    });
  });

  it('refuses an unknown key in its section, naming the section', () => {
    const path = join(dir, 'typo.yaml');
    writeFileSync(path, 'consumer:\n  bach-size: 5\n');
    expect(() => loadConsumerConfig(['--config', path], { exitOverride: true })).toThrow(
      'unknown option "bach-size" (in "consumer")',
    );
  });

  it('refuses a section that is not a mapping', () => {
    const path = join(dir, 'scalar.yaml');
    writeFileSync(path, 'consumer: 5\n');
    expect(() => loadConsumerConfig(['--config', path], { exitOverride: true })).toThrow(
      '"consumer" must be a mapping of option names to values',
    );
  });
});

describe('checkConsumerConfig', () => {
  it('prints the settings with passwords masked, connects to nothing, and returns 0', () => {
    const argv = ['check-config', '--database-url', 'postgres://app:s3cret@127.0.0.1:1/none'];
    const written = { out: '', err: '' };
    const output = { out: (text: string) => (written.out += text), err: (text: string) => (written.err += text) };
    expect(checkConsumerConfig(loadConsumerConfig(argv, { exitOverride: true }), output)).toBe(0);
    expect(JSON.parse(written.out)).toMatchObject({
      command: 'check-config',
      database: { url: 'postgres://app:***@127.0.0.1:1/none' },
    });
    expect(written.out).not.toContain('s3cret');
  });

  it('warns of each old name read, naming its replacement', () => {
    process.env['SENSORS_FLUSH_INTERVAL_MS'] = '30';
    const written = { out: '', err: '' };
    const output = { out: (text: string) => (written.out += text), err: (text: string) => (written.err += text) };
    const config = loadConsumerConfig(['check-config', '--flush-interval-ms', '40'], { exitOverride: true });
    expect(checkConsumerConfig(config, output)).toBe(0);
    expect(written.err).toContain(
      'warning: --flush-interval-ms (command line) is deprecated and read for this release only: rename it to --batch-linger-ms\n',
    );
    // The old flag wins over the old variable, which is read but not used: it is still named.
    expect(written.err).toContain(
      'warning: SENSORS_FLUSH_INTERVAL_MS is deprecated and read for this release only: rename it to SENSORS_BATCH_LINGER_MS\n',
    );
    expect(JSON.parse(written.out)).toMatchObject({ batching: { batchLingerMs: 40 } });
  });
});
