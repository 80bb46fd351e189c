import { StartupError } from '@sensors/runtime';
import { BrokerConnection, whenBrokerRefuses } from '../src';

describe('whenBrokerRefuses', () => {
  it('resolves with what to fix, naming the setting instead of the URL', async () => {
    const broker = new BrokerConnection({ urls: ['amqp://127.0.0.1:1'], connectionName: 'when-broker-refuses' });
    const refused = whenBrokerRefuses(broker, '--amqp-url');
    const err = new Error('ACCESS_REFUSED');
    broker.emit('gave-up', {
      url: 'amqp://127.0.0.1:1',
      err,
      reason: 'the broker refused the user name or password',
      fix: 'correct the credentials in the URL',
    });
    const failure = await refused;
    expect(failure).toBeInstanceOf(StartupError);
    expect(failure.message).toContain('refused the user name or password');
    expect(failure.fix).toBe('correct the credentials in --amqp-url');
    expect(failure.details).toEqual({ url: 'amqp://127.0.0.1:1', detail: 'ACCESS_REFUSED' });
  });
});
