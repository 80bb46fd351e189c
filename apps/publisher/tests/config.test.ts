import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPublisherConfig } from '../src/config';

const saved = { ...process.env };
const dir = mkdtempSync(join(tmpdir(), 'publisher-config-'));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function load(argv: string[] = []) {
  return loadPublisherConfig(argv, { exitOverride: true });
}

beforeEach(() => {
  // No setting leaks in from the shell that runs the tests.
  for (const name of Object.keys(process.env)) if (name.startsWith('SENSORS_')) delete process.env[name];
});

afterEach(() => {
  process.env = { ...saved };
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadPublisherConfig', () => {
  it('runs the generator until stopped at a demo rate by default, grouped by concern', () => {
    expect(load()).toMatchObject({
      command: 'run',
      amqp: { urls: ['amqp://guest:guest@127.0.0.1:5672'] },
      topology: {
        exchange: 'sensors',
        routingKey: 'sensor.reading',
        queue: 'sensor-readings',
        queueType: 'quorum',
        deliveryLimit: 20,
      },
      publishing: { maxUnconfirmed: 2000, envelopeSize: 100, envelopeLingerMs: 5 },
      source: { type: 'generator', generator: { count: undefined, rate: 100, seed: undefined, sensors: 10 } },
      logging: { level: 'info', pretty: false },
      ops: { metricsPort: 9464, progressIntervalMs: 5000, shutdownTimeoutMs: 15_000 },
      renamedVariables: [],
      renamedOptions: [],
    });
  });

  it("takes the envelope size and linger, up to the format's limit", () => {
    process.env['SENSORS_ENVELOPE_LINGER_MS'] = '20';
    expect(load(['--envelope-size', '1']).publishing).toMatchObject({ envelopeSize: 1, envelopeLingerMs: 20 });
    expect(() => load(['--envelope-size', '1001'])).toThrow(/--envelope-size/);
  });

  it('takes flags and the environment, flags first', () => {
    process.env['SENSORS_RATE'] = '0';
    process.env['SENSORS_SEED'] = 'from-env';
    process.env['SENSORS_SIMULATED_SENSORS'] = '7';
    const config = load(['--count', '5', '--seed', '42']);
    expect(config.source.generator).toEqual({ count: 5, rate: 0, seed: '42', sensors: 7 });
  });

  it('ignores the generic names of earlier releases, which any shell may hold', () => {
    Object.assign(process.env, { COUNT: '5', SOURCE: 'stdin', RATE: '0', SEED: 'x', SENSORS: '3', LOG_LEVEL: 'debug' });
    expect(load()).toMatchObject({
      source: { type: 'generator', generator: { count: undefined, rate: 100, seed: undefined, sensors: 10 } },
      logging: { level: 'info' },
      renamedVariables: [],
    });
  });

  it('names the variable and the value when an environment value is bad', () => {
    process.env['SENSORS_RATE'] = 'fast';
    expect(() => load()).toThrow(/SENSORS_RATE.*fast|fast.*SENSORS_RATE/);
  });

  it('rejects a broker URL of another scheme without echoing it', () => {
    expect(() => load(['--amqp-url', 'http://user:pw@host'])).toThrow(
      /^(?!.*pw@).*--amqp-url.*must be an amqp or amqps URL/,
    );
  });

  it('refuses an unknown command', () => {
    expect(() => load(['publish'])).toThrow(/unknown command "publish"/);
    expect(load(['check-config']).command).toBe('check-config');
  });
});

describe('loadPublisherConfig renamed variables', () => {
  it('reads AMQP_URL for one more release and reports it', () => {
    process.env['AMQP_URL'] = 'amqp://old:5672';
    const config = load();
    expect(config.amqp.urls).toEqual(['amqp://old:5672']);
    expect(config.renamedVariables).toEqual([{ variable: 'AMQP_URL', replacement: 'SENSORS_AMQP_URL' }]);
  });

  it('prefers the new name when both are set', () => {
    process.env['AMQP_URL'] = 'amqp://old:5672';
    process.env['SENSORS_AMQP_URL'] = 'amqp://new:5672';
    expect(load()).toMatchObject({ amqp: { urls: ['amqp://new:5672'] }, renamedVariables: [] });
  });
});

describe('loadPublisherConfig --max-in-flight, renamed --max-unconfirmed', () => {
  it('reads SENSORS_MAX_IN_FLIGHT for one more release and reports it', () => {
    process.env['SENSORS_MAX_IN_FLIGHT'] = '30';
    expect(load()).toMatchObject({
      publishing: { maxUnconfirmed: 30 },
      source: { mqtt: { maxUnacked: 30 } },
      renamedVariables: [{ variable: 'SENSORS_MAX_IN_FLIGHT', replacement: 'SENSORS_MAX_UNCONFIRMED' }],
    });
  });

  it('reads the flag --max-in-flight for one more release and reports it', () => {
    expect(load(['--max-in-flight', '40'])).toMatchObject({
      publishing: { maxUnconfirmed: 40 },
      renamedOptions: [{ option: '--max-in-flight', replacement: '--max-unconfirmed', origin: 'command line' }],
    });
  });

  it('reads the config file key max-in-flight for one more release and reports it', () => {
    const file = write('old-key.yaml', 'publisher:\n  max-in-flight: 50\n');
    expect(load(['--config', file])).toMatchObject({
      publishing: { maxUnconfirmed: 50 },
      renamedOptions: [{ option: 'max-in-flight', replacement: 'max-unconfirmed', origin: 'config file' }],
    });
  });

  it('prefers the new names when both are given', () => {
    process.env['SENSORS_MAX_IN_FLIGHT'] = '30';
    process.env['SENSORS_MAX_UNCONFIRMED'] = '31';
    expect(load(['--max-in-flight', '40', '--max-unconfirmed', '41']).publishing.maxUnconfirmed).toBe(41);
    expect(load().publishing.maxUnconfirmed).toBe(31);
  });
});

describe('loadPublisherConfig secrets in files', () => {
  it('reads tokens from SENSORS_HTTP_TOKENS_FILE, dropping the trailing newline', () => {
    process.env['SENSORS_HTTP_TOKENS_FILE'] = write('tokens', 'one,two\n');
    expect(load(['--source', 'http']).source.http.tokens).toEqual(['one', 'two']);
  });

  it('reads the broker URL from SENSORS_AMQP_URL_FILE', () => {
    process.env['SENSORS_AMQP_URL_FILE'] = write('amqp-url', 'amqp://app:s3cret@rabbit:5672\n');
    expect(load().amqp.urls).toEqual(['amqp://app:s3cret@rabbit:5672']);
  });

  it('refuses a variable given both directly and as a file', () => {
    process.env['SENSORS_AMQP_URL'] = 'amqp://a:5672';
    process.env['SENSORS_AMQP_URL_FILE'] = write('amqp-url', 'amqp://b:5672');
    expect(() => load()).toThrow(/SENSORS_AMQP_URL and SENSORS_AMQP_URL_FILE are both set/);
  });

  it('names the file that cannot be read, and the variable', () => {
    process.env['SENSORS_AMQP_URL_FILE'] = join(dir, 'missing');
    expect(() => load()).toThrow(/cannot read the file .*missing named by SENSORS_AMQP_URL_FILE: ENOENT/);
  });

  it('never echoes an invalid value read from a file', () => {
    process.env['SENSORS_RATE_FILE'] = write('rate', 's3cret');
    expect(() => load()).toThrow(/^(?!.*s3cret).*SENSORS_RATE_FILE.*value hidden/s);
  });

  it('refuses a token that can never match, without echoing it', () => {
    process.env['SENSORS_HTTP_TOKENS'] = 'two words';
    expect(() => load(['--source', 'http'])).toThrow(/^(?!.*two words).*--http-token.*whitespace/);
  });
});

describe('loadPublisherConfig with a config file for both apps', () => {
  it('reads the top level and its own section, skipping the consumer section', () => {
    const path = write(
      'sensors.yaml',
      'queue: shared\nrate: 5\npublisher:\n  rate: 50\n  sensors: 4\nconsumer:\n  batch-size: 500\n  bach-size: typo\n',
    );
    const config = load(['--config', path]);
    expect(config.topology.queue).toBe('shared');
    expect(config.source.generator).toMatchObject({ rate: 50, sensors: 4 });
  });

  it('refuses an unknown key in its section, naming the section', () => {
    const path = write('typo.yaml', 'publisher:\n  raet: 5\n');
    expect(() => load(['--config', path])).toThrow(/unknown option "raet" \(in "publisher"\)/);
  });

  it('refuses a top-level key only the other app takes, saying where it goes', () => {
    const path = write('flat.yaml', 'batch-size: 500\n');
    expect(() => load(['--config', path])).toThrow(
      /unknown option "batch-size"; options of one program go under "publisher:" or "consumer:"/,
    );
  });

  it('replaces ${VAR} and ${VAR:-default} from the environment', () => {
    process.env['RABBIT_PW'] = 's3cret';
    const path = write('vars.yaml', 'amqp-url: amqp://app:${RABBIT_PW}@rabbit:5672\nrate: ${RATE_FROM_ENV:-25}\n');
    const config = load(['--config', path]);
    expect(config.amqp.urls).toEqual(['amqp://app:s3cret@rabbit:5672']);
    expect(config.source.generator.rate).toBe(25);
  });

  it('names an unset variable, and never echoes a value taken from one', () => {
    const unset = write('unset.yaml', 'amqp-url: amqp://app:${NOT_SET_ANYWHERE}@rabbit\n');
    expect(() => load(['--config', unset])).toThrow(/"amqp-url": variable NOT_SET_ANYWHERE is not set/);
    process.env['RATE_SECRET'] = 's3cret';
    const bad = write('bad.yaml', 'rate: ${RATE_SECRET}\n');
    expect(() => load(['--config', bad])).toThrow(/^(?!.*s3cret).*"rate" value \(value hidden/s);
  });
});

describe('loadPublisherConfig flags without values', () => {
  it('reads a bare --log-pretty as true and SENSORS_LOG_PRETTY=false as false', () => {
    expect(load(['--log-pretty']).logging.pretty).toBe(true);
    process.env['SENSORS_LOG_PRETTY'] = 'false';
    expect(load().logging.pretty).toBe(false);
  });
});

describe('loadPublisherConfig sources', () => {
  it('uses the generator, skips invalid lines and serves HTTP on loopback by default', () => {
    expect(load().source).toMatchObject({
      type: 'generator',
      file: undefined,
      onInvalid: 'skip',
      maxLineBytes: 1024 * 1024,
      http: {
        port: 8080,
        host: '127.0.0.1',
        tokens: [],
        bodyLimit: 1024 * 1024,
        requestTimeoutMs: 30_000,
        confirmTimeoutMs: 10_000,
      },
    });
  });

  it('takes a file and what to do with its invalid lines', () => {
    const config = load(['--source', 'file', '--file', 'r.ndjson', '--on-invalid', 'dead-letter']);
    expect(config.source).toMatchObject({ type: 'file', file: 'r.ndjson', onInvalid: 'dead-letter' });
  });

  it('refuses --source file without --file, and --file with another source', () => {
    expect(() => load(['--source', 'file'])).toThrow(/--file <path>/);
    expect(() => load(['--source', 'stdin', '--file', 'r.ndjson'])).toThrow(
      /'--file' is only read with --source file, not stdin/,
    );
  });

  it('refuses an unknown source', () => {
    expect(() => load(['--source', 'kafka'])).toThrow(/kafka/);
  });

  it('reads comma-separated tokens and then listens on every interface', () => {
    process.env['SENSORS_HTTP_TOKENS'] = 'one, two,';
    expect(load(['--source', 'http']).source.http).toMatchObject({ tokens: ['one', 'two'], host: '0.0.0.0' });
  });

  it('listens where --http-host says, token or not', () => {
    const config = load(['--source', 'http', '--http-host', '0.0.0.0', '--http-port', '0']);
    expect(config.source.http).toMatchObject({ host: '0.0.0.0', port: 0, tokens: [] });
  });

  it('bounds the MQTT messages awaiting confirms by --max-unconfirmed', () => {
    expect(load(['--source', 'mqtt', '--max-unconfirmed', '30']).source.mqtt).toMatchObject({
      urls: ['mqtt://127.0.0.1:1883'],
      topics: ['sensors/#'],
      maxUnacked: 30,
    });
  });
});
