import { once } from 'node:events';
import { withTimeout } from '@sensors/testing';
import { BrokerConnection } from '../src';

describe('BrokerConnection', () => {
  it('stops waiting out its backoff when closed', async () => {
    // Port 1 refuses at once; the next attempt would be minutes away.
    const broker = new BrokerConnection({
      urls: ['amqp://127.0.0.1:1'],
      connectionName: 'broker-connection-close',
      backoff: { initialMs: 600_000, maxMs: 600_000 },
    });
    const failed = once(broker, 'connect-failed');
    broker.start();
    await withTimeout('the first connection attempt to fail', failed, 10_000);
    await expect(withTimeout('close() during the backoff', broker.close(), 10_000)).resolves.toBeUndefined();
    expect(broker.connected).toBe(false);
  });
});
