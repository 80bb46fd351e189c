import { redactConfig } from '../src';

describe('redactConfig', () => {
  it('masks passwords in URLs and the values of secret keys', () => {
    expect(
      redactConfig({ amqp: { urls: ['amqp://u:pw@h:1'] }, http: { tokens: ['a', 'b'], port: 1 } }, ['tokens']),
    ).toEqual({ amqp: { urls: ['amqp://u:***@h:1'] }, http: { tokens: ['***', '***'], port: 1 } });
  });

  it('leaves the input unchanged', () => {
    const config = { amqp: { urls: ['amqp://u:pw@h:1'] } };
    redactConfig(config);
    expect(config).toEqual({ amqp: { urls: ['amqp://u:pw@h:1'] } });
  });
});
