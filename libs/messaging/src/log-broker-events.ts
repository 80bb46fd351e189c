import type { EventLogger } from '@sensors/runtime';
import type { BrokerConnection } from './broker-connection';

/**
 * Logs a broker connection's life: connects, losses, retries and flow control (memory or disk
 * alarms that block publishing).
 */
export function logBrokerEvents(broker: BrokerConnection, log: EventLogger): void {
  broker.on('connected', ({ url }) => log.info({ url }, 'broker connected'));
  broker.on('disconnected', ({ url, err }) => log.warn({ url, err }, 'broker connection lost, reconnecting'));
  broker.on('connect-failed', ({ url, err, retryInMs }) =>
    log.warn({ url, err: err.message, retryInMs }, 'broker unreachable, retrying'),
  );
  broker.on('attach-failed', ({ url, err }) => log.error({ url, err }, 'could not set up channels, reconnecting'));
  broker.on('blocked', ({ reason }) => log.warn({ reason }, 'broker blocked publishing'));
  broker.on('unblocked', () => log.info({}, 'broker unblocked publishing'));
}
