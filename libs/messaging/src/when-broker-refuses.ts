import { StartupError } from '@sensors/runtime';
import type { BrokerConnection } from './broker-connection';

/**
 * Resolves once `broker` gives up before its first connection on what retrying cannot fix
 * (credentials, virtual host, permissions), with a {@link StartupError} whose fix names
 * `setting`, where the app takes the broker's URL. It never resolves for a broker that connects.
 *
 * @example
 * whenBrokerRefuses(connection, '--amqp-url').then((err) => { failure = err; stopping.abort(); });
 */
export function whenBrokerRefuses(broker: BrokerConnection, setting: string): Promise<StartupError> {
  return new Promise((resolve) =>
    broker.once('gave-up', ({ url, err, reason, fix }) => {
      const details = { url, detail: err.message };
      resolve(new StartupError(reason, { fix: fix.replaceAll('the URL', setting), details, cause: err }));
    }),
  );
}
