/** Why the broker refused a connection or its set-up, and what to change; see {@link brokerRefusal}. */
export interface BrokerRefusal {
  reason: string;
  /** What to change; it calls the broker's URL "the URL", for the app to name its setting. */
  fix: string;
}

/** Node's codes for a server certificate that cannot be verified, which waiting does not change. */
const UNVERIFIED_CERTIFICATE = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
]);

/**
 * Recognises what the broker refuses for good, which retrying cannot fix: a user name or
 * password it rejects (`403 ACCESS-REFUSED` at the handshake), a virtual host that does not
 * exist or that the user has no permissions on (`530 NOT-ALLOWED`, which amqplib reports as a
 * close instead of `connection.open-ok`), and a channel refused the exchange or queues
 * (`403` on a declare); and, over amqps, a certificate this process cannot verify. Anything else (refused or reset connections, timeouts, a node
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
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && UNVERIFIED_CERTIFICATE.has(code)) {
    return {
      reason: `the broker's TLS certificate cannot be verified (${code})`,
      fix: 'trust its CA (NODE_EXTRA_CA_CERTS=/path/ca.pem), or connect by a name the certificate holds in the URL',
    };
  }
  if (code === 403) {
    return {
      reason: 'the broker refused the user access to the exchange or queues',
      fix: "grant the user configure, write and read permissions on them (rabbitmqctl set_permissions -p <vhost> <user> '.*' '.*' '.*'), or put another user in the URL",
    };
  }
  return undefined;
}
