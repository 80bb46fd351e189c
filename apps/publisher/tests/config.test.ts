import { loadPublisherConfig } from '../src/config';

const saved = { ...process.env };

afterEach(() => {
  process.env = { ...saved };
});

describe('loadPublisherConfig', () => {
  it('runs until stopped at a demo rate by default', () => {
    for (const name of ['COUNT', 'RATE', 'SEED', 'SENSORS']) delete process.env[name];
    expect(loadPublisherConfig([], { exitOverride: true })).toMatchObject({
      count: undefined,
      rate: 100,
      seed: undefined,
      sensors: 10,
      maxInFlight: 2000,
      exchange: 'sensors',
    });
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

describe('loadPublisherConfig flags without values', () => {
  it('reads a bare --log-pretty as true and LOG_PRETTY=false as false', () => {
    expect(loadPublisherConfig(['--log-pretty'], { exitOverride: true }).logPretty).toBe(true);
    process.env['LOG_PRETTY'] = 'false';
    expect(loadPublisherConfig([], { exitOverride: true }).logPretty).toBe(false);
    delete process.env['LOG_PRETTY'];
  });
});
