import { loadPublisherConfig } from '../src/config';

const saved = { ...process.env };

afterEach(() => {
  process.env = { ...saved };
});

describe('loadPublisherConfig', () => {
  it('runs until stopped at a demo rate by default', () => {
    for (const name of ['COUNT', 'RATE', 'SEED', 'SENSORS', 'ENVELOPE_SIZE', 'ENVELOPE_LINGER_MS'])
      delete process.env[name];
    expect(loadPublisherConfig([], { exitOverride: true })).toMatchObject({
      count: undefined,
      rate: 100,
      seed: undefined,
      sensors: 10,
      maxInFlight: 2000,
      envelopeSize: 100,
      envelopeLingerMs: 5,
      exchange: 'sensors',
    });
  });

  it("takes the envelope size and linger, up to the format's limit", () => {
    process.env['ENVELOPE_LINGER_MS'] = '20';
    expect(loadPublisherConfig(['--envelope-size', '1'], { exitOverride: true })).toMatchObject({
      envelopeSize: 1,
      envelopeLingerMs: 20,
    });
    expect(() => loadPublisherConfig(['--envelope-size', '1001'], { exitOverride: true })).toThrow(/--envelope-size/);
  });

  it('takes flags and the environment', () => {
    process.env['RATE'] = '0';
    process.env['SEED'] = 'from-env';
    const config = loadPublisherConfig(['--count', '5', '--seed', '42', '--sensors', '3'], { exitOverride: true });
    expect(config).toMatchObject({ count: 5, rate: 0, seed: '42', sensors: 3 });
  });

  it('names the variable and the value when an environment value is bad', () => {
    process.env['RATE'] = 'fast';
    expect(() => loadPublisherConfig([], { exitOverride: true })).toThrow(/RATE.*fast|fast.*RATE/);
  });

  it('rejects a broker URL of another scheme without echoing it', () => {
    expect(() => loadPublisherConfig(['--amqp-url', 'http://user:pw@host'], { exitOverride: true })).toThrow(
      /^(?!.*pw@).*--amqp-url.*must be a amqp or amqps URL/,
    );
  });
});

describe('loadPublisherConfig tokens', () => {
  it('refuses a token that can never match, without echoing it', () => {
    process.env['HTTP_TOKENS'] = 'two words';
    expect(() => loadPublisherConfig(['--source', 'http'], { exitOverride: true })).toThrow(
      /^(?!.*two words).*--http-token.*whitespace/,
    );
  });
});

describe('loadPublisherConfig flags without values', () => {
  it('reads a bare --log-pretty as true and LOG_PRETTY=false as false', () => {
    expect(loadPublisherConfig(['--log-pretty'], { exitOverride: true }).logPretty).toBe(true);
    process.env['LOG_PRETTY'] = 'false';
    expect(loadPublisherConfig([], { exitOverride: true }).logPretty).toBe(false);
    delete process.env['LOG_PRETTY'];
  });
});

describe('loadPublisherConfig sources', () => {
  it('uses the generator, skips invalid lines and serves HTTP on loopback by default', () => {
    for (const name of ['SOURCE', 'SOURCE_FILE', 'ON_INVALID', 'HTTP_PORT', 'HTTP_HOST', 'HTTP_TOKENS']) {
      delete process.env[name];
    }
    expect(loadPublisherConfig([], { exitOverride: true })).toMatchObject({
      source: 'generator',
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
    const config = loadPublisherConfig(['--source', 'file', '--file', 'r.ndjson', '--on-invalid', 'dead-letter'], {
      exitOverride: true,
    });
    expect(config).toMatchObject({ source: 'file', file: 'r.ndjson', onInvalid: 'dead-letter' });
  });

  it('refuses --source file without --file, and --file with another source', () => {
    expect(() => loadPublisherConfig(['--source', 'file'], { exitOverride: true })).toThrow(/--file <path>/);
    expect(() => loadPublisherConfig(['--source', 'stdin', '--file', 'r.ndjson'], { exitOverride: true })).toThrow(
      /'--file' is only read with --source file, not stdin/,
    );
  });

  it('refuses an unknown source', () => {
    expect(() => loadPublisherConfig(['--source', 'kafka'], { exitOverride: true })).toThrow(/kafka/);
  });

  it('reads comma-separated tokens and then listens on every interface', () => {
    process.env['HTTP_TOKENS'] = 'one, two,';
    expect(loadPublisherConfig(['--source', 'http'], { exitOverride: true }).http).toMatchObject({
      tokens: ['one', 'two'],
      host: '0.0.0.0',
    });
  });

  it('listens where --http-host says, token or not', () => {
    const config = loadPublisherConfig(['--source', 'http', '--http-host', '0.0.0.0', '--http-port', '0'], {
      exitOverride: true,
    });
    expect(config.http).toMatchObject({ host: '0.0.0.0', port: 0, tokens: [] });
  });
});
