import { randomBytes } from 'node:crypto';
import type { ChannelModel } from 'amqplib';
import { closeBrokerConnections, machineBroker, testAmqpUrl, uniqueName, waitFor } from '@sensors/testing';
import { BrokerConnection, brokerRefusal, type BrokerConnectionEvents } from '../src';

// A user of this file's own on the machine's broker, removed at the end; guest is never changed.
const user = uniqueName('sensors_refusal');
const password = randomBytes(12).toString('hex');
const queue = uniqueName('refusal_q');
const opened: BrokerConnection[] = [];

function urlAs(name: string, secret: string, vhost = ''): string {
  const url = new URL(testAmqpUrl);
  url.username = name;
  url.password = secret;
  url.pathname = vhost === '' ? '' : `/${encodeURIComponent(vhost)}`;
  return url.toString();
}

/** A connection that records its events, with a client that declares a queue on each connect. */
function open(url: string, connectionName = uniqueName('refusal')) {
  const connection = new BrokerConnection({ urls: [url], connectionName, backoff: { initialMs: 20, maxMs: 200 } });
  const events: {
    connected?: BrokerConnectionEvents['connected'][0][];
    'connect-failed'?: BrokerConnectionEvents['connect-failed'][0][];
    'gave-up'?: BrokerConnectionEvents['gave-up'][0][];
  } = {};
  connection.on('connected', (event) => (events['connected'] ??= []).push(event));
  connection.on('connect-failed', (event) => (events['connect-failed'] ??= []).push(event));
  connection.on('gave-up', (event) => (events['gave-up'] ??= []).push(event));
  connection.register({
    attach: async (model: ChannelModel) => {
      const channel = await model.createChannel();
      await channel.assertQueue(queue, { autoDelete: true });
    },
    detach: () => undefined,
  });
  opened.push(connection);
  connection.start();
  return { connection, events, connectionName };
}

const rabbitmqctl = (...args: string[]) => machineBroker.ctl(['-q', ...args]);

beforeAll(async () => {
  await rabbitmqctl('add_user', user, password);
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await rabbitmqctl('delete_user', user);
});

describe('BrokerConnection', () => {
  it('gives up at once on a password the broker refuses', async () => {
    const { connection, events } = open(urlAs(user, 'not-the-password'));
    await waitFor('gave-up', () => events['gave-up']?.length === 1);
    expect(events['gave-up']?.[0]).toMatchObject({ reason: 'the broker refused the user name or password' });
    expect(events['connect-failed']).toBeUndefined();
    expect(connection.connected).toBe(false);
  });

  it('gives up at once on a virtual host that does not exist', async () => {
    const { events } = open(urlAs('guest', 'guest', uniqueName('no_such_vhost')));
    await waitFor('gave-up', () => events['gave-up']?.length === 1);
    expect(events['gave-up']?.[0].reason).toMatch(/virtual host: it does not exist/);
  });

  it('gives up at once when the user has no permissions on the virtual host', async () => {
    const { events } = open(urlAs(user, password));
    await waitFor('gave-up', () => events['gave-up']?.length === 1);
    expect(events['gave-up']?.[0].reason).toMatch(/no permissions on it/);
  });

  it('gives up when the user may not declare the queue', async () => {
    await rabbitmqctl('set_permissions', '-p', '/', user, '^$', '.*', '.*');
    try {
      const { events } = open(urlAs(user, password));
      await waitFor('gave-up', () => events['gave-up']?.length === 1);
      expect(events['gave-up']?.[0].reason).toMatch(/access to the exchange or queues/);
      expect(events['connected']).toBeUndefined();
    } finally {
      await rabbitmqctl('clear_permissions', '-p', '/', user);
    }
  });

  it('keeps retrying a port where nothing listens', async () => {
    const url = new URL(testAmqpUrl);
    url.port = '1';
    const { events } = open(url.toString());
    await waitFor('three failed attempts', () => (events['connect-failed']?.length ?? 0) >= 3);
    expect(events['gave-up']).toBeUndefined();
  });

  // Seven rabbitmqctl calls, each an Erlang VM of its own: seconds each on a loaded machine.
  it('keeps retrying a refused password once it has been connected, and reconnects when it is right again', async () => {
    await rabbitmqctl('set_permissions', '-p', '/', user, '.*', '.*', '.*');
    try {
      const { connection, events, connectionName } = open(urlAs(user, password));
      await waitFor('connected', () => connection.connected);
      await rabbitmqctl('change_password', user, 'rotated-away');
      await waitFor('the connection closed', async () => (await closeBrokerConnections(connectionName)) === 1);
      await waitFor(
        'two refused attempts',
        () => (events['connect-failed'] ?? []).filter((e) => brokerRefusal(e.err) !== undefined).length >= 2,
      );
      await rabbitmqctl('change_password', user, password);
      await waitFor('reconnected', () => events['connected']?.length === 2);
      expect(events['gave-up']).toBeUndefined();
    } finally {
      await rabbitmqctl('change_password', user, password);
      await rabbitmqctl('clear_permissions', '-p', '/', user);
    }
  }, 180_000);
});

describe('brokerRefusal', () => {
  it('takes a refused or reset connection for transient', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5672'), { code: 'ECONNREFUSED' });
    expect(brokerRefusal(err)).toBeUndefined();
  });
});
