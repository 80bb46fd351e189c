import { Command } from 'commander';
import { readServiceOptions, serviceOptions } from '../src';

const settings = {
  envPrefix: 'APP_',
  configExample: 'rate: 5',
  exchange: 'ex',
  routingKey: 'rk',
  queue: 'q',
  metricsPort: 9000,
};

function parse(argv: string[]): Command {
  const program = new Command('app').exitOverride();
  for (const option of serviceOptions(settings)) program.addOption(option);
  return program.parse(argv, { from: 'user' });
}

describe('serviceOptions', () => {
  it('names each variable by the prefix and the flag in capitals', () => {
    const variables = serviceOptions(settings).map((option) => option.envVar);
    expect(variables).toContain('APP_AMQP_URL');
    expect(variables).toContain('APP_SHUTDOWN_TIMEOUT_MS');
    expect(variables.every((name) => name?.startsWith('APP_'))).toBe(true);
  });

  it('shows the default broker URL without its password', () => {
    const amqp = serviceOptions(settings).find((option) => option.long === '--amqp-url');
    expect(amqp?.defaultValueDescription).toBe('amqp://guest:***@127.0.0.1:5672');
  });
});

describe('readServiceOptions', () => {
  it('groups the values by concern, with the defaults the app gave', () => {
    const program = parse(['--amqp-url', 'amqp://a:5672,amqp://b:5672', '--log-level', 'warn']);
    expect(readServiceOptions(program)).toEqual({
      amqp: { urls: ['amqp://a:5672', 'amqp://b:5672'] },
      topology: {
        exchange: 'ex',
        routingKey: 'rk',
        queue: 'q',
        queueType: 'quorum',
        deliveryLimit: 20,
        queueReplicas: 0,
      },
      logging: { level: 'warn', pretty: false },
      ops: { metricsPort: 9000, metricsHost: undefined, progressIntervalMs: 5000, shutdownTimeoutMs: 15_000 },
    });
  });
});
