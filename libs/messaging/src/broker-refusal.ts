/** Why the broker refused a connection or its set-up, and what to change; see {@link brokerRefusal}. */
export interface BrokerRefusal {
  reason: string;
  /** What to change; it calls the broker's URL "the URL", for the app to name its setting. */
  fix: string;
}

/**
 * Recognises what the broker refuses for good, which retrying cannot fix: a user name or
 * password it rejects (`403 ACCESS-REFUSED` at the handshake), a virtual host that does not
 * exist or that the user has no permissions on (`530 NOT-ALLOWED`, which amqplib reports as a
 * close instead of `connection.open-ok`), and a channel refused the exchange or queues
 * (`403` on a declare). Anything else (refused or reset connections, timeouts, a node
 * starting) is transient: undefined.
 */
export function brokerRefusal(err: unknown): BrokerRefusal | undefined {
  const message = err instanceof Error ? err.message : '';
  if (/^Handshake terminated by server: 403\b/.test(message)) {
    return {
      reason: 'the broker refused the user name or password',
      fix: 'correct the user and password in the URL (amqp://user:password@host:5672), or create the user (rabbitmqctl add_user)',
    };
  }
  if (/^Expected ConnectionOpenOk; got <ConnectionClose\b/.test(message)) {
    return {
      reason: 'the broker refused the virtual host: it does not exist, or the user has no permissions on it',
      fix: "correct the virtual host (the path of the URL, e.g. amqp://host:5672/sensors; none: '/'), or create it and grant the user (rabbitmqctl add_vhost <vhost>; rabbitmqctl set_permissions -p <vhost> <user> '.*' '.*' '.*')",
    };
  }
  if ((err as { code?: unknown } | undefined)?.code === 403) {
    return {
      reason: 'the broker refused the user access to the exchange or queues',
      fix: "grant the user configure, write and read permissions on them (rabbitmqctl set_permissions -p <vhost> <user> '.*' '.*' '.*'), or put another user in the URL",
    };
  }
  return undefined;
}
