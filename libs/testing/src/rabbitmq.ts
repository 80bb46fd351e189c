import { connect, type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import { execCommand } from './exec-command';
import { testAmqpUrl } from './services';
import { waitFor, withTimeout } from './wait';

/** A RabbitMQ a test talks to: the machine's (only through its own names), or a throwaway node or cluster. */
export interface Broker {
  /** Its nodes' AMQP URLs; admin connections try them in order. */
  readonly urls: readonly string[];
  /** Runs `rabbitmqctl` against a node that answers; resolves to its output. */
  ctl(args: readonly string[], timeoutMs?: number): Promise<string>;
}

/** The machine's broker (TEST_AMQP_URL); `rabbitmqctl` there is RABBITMQCTL (e.g. `docker compose exec -T rabbitmq rabbitmqctl`). */
export const machineBroker: Broker = {
  urls: [testAmqpUrl],
  ctl: (args, timeoutMs = 30_000) => {
    const [command, ...prefix] = (process.env['RABBITMQCTL'] ?? 'rabbitmqctl').split(' ');
    return execCommand(command, [...prefix, ...args], timeoutMs);
  },
};

/**
 * Force-closes, on the broker's side, every connection whose `connection_name` is `name` (a
 * connection the test opened and named; never anyone else's), as an outage would. Returns how
 * many it closed.
 */
export async function closeBrokerConnections(name: string, broker: Broker = machineBroker): Promise<number> {
  // The tabular output gives pids in the form close_connection accepts (the JSON one does not).
  const listing = await broker.ctl(['-q', '--no-table-headers', 'list_connections', 'pid', 'client_properties']);
  const marker = `{"connection_name","${name}"}`;
  const pids = listing
    .split('\n')
    .filter((line) => line.includes(marker))
    .map((line) => line.split('\t')[0]);
  const results = await Promise.allSettled(
    pids.map((pid) => broker.ctl(['-q', 'close_connection', pid, 'closed by a test'])),
  );
  // A rejection means the connection was already gone (its client was reconnecting).
  return results.filter((result) => result.status === 'fulfilled').length;
}

/** A queue's depth as the broker reports it: `messages` counts ready and unacked ones. */
export interface QueueDepth {
  messages: number;
  ready: number;
  unacked: number;
}

/** The depth of `queue` from `rabbitmqctl list_queues` (statistics lag a few seconds: wait on it), or undefined when the broker does not list it. */
export async function queueDepth(queue: string, broker: Broker = machineBroker): Promise<QueueDepth | undefined> {
  const listing = await broker.ctl([
    '-q',
    '--no-table-headers',
    'list_queues',
    'name',
    'messages',
    'messages_ready',
    'messages_unacknowledged',
  ]);
  for (const line of listing.split('\n')) {
    const [name, messages, ready, unacked] = line.split('\t');
    if (name === queue) return { messages: Number(messages), ready: Number(ready), unacked: Number(unacked) };
  }
  return undefined;
}

/**
 * Opens a short-lived AMQP connection for one piece of work, bounded in time; on a cluster,
 * to the first node that accepts it (a test may have just stopped one).
 */
export async function withChannel<T>(
  work: (channel: Channel) => Promise<T>,
  { broker = machineBroker, timeoutMs = 20_000 }: { broker?: Broker; timeoutMs?: number } = {},
): Promise<T> {
  return withTimeout(
    'an AMQP admin operation',
    (async () => {
      const connection = await connectToAny(broker.urls);
      connection.on('error', () => undefined);
      try {
        const channel = await connection.createChannel();
        channel.on('error', () => undefined);
        return await work(channel);
      } finally {
        await connection.close().catch(() => undefined);
      }
    })(),
    timeoutMs,
  );
}

/** A message read by {@link peekQueue}. */
export interface PeekedMessage {
  messageId: string | undefined;
  headers: Record<string, unknown>;
  content: Buffer;
}

/**
 * Reads up to `max` messages of a queue without removing them: they are fetched unacked and
 * go back to the queue when the channel closes.
 */
export function peekQueue(
  queue: string,
  { broker = machineBroker, max = 1_000_000 }: { broker?: Broker; max?: number } = {},
): Promise<PeekedMessage[]> {
  return withChannel(
    async (channel) => {
      const messages: PeekedMessage[] = [];
      while (messages.length < max) {
        const message = await channel.get(queue, { noAck: false });
        if (message === false) break;
        messages.push({
          messageId: message.properties.messageId as string | undefined,
          headers: (message.properties.headers ?? {}) as Record<string, unknown>,
          content: message.content,
        });
      }
      return messages;
    },
    { broker, timeoutMs: 120_000 },
  );
}

/** Takes every message of a queue (acked as taken, so they are gone): for a queue of the test's own. */
export function takeMessages(
  queue: string,
  { broker = machineBroker }: { broker?: Broker } = {},
): Promise<GetMessage[]> {
  return withChannel(
    async (channel) => {
      const taken: GetMessage[] = [];
      for (let m = await channel.get(queue, { noAck: true }); m; m = await channel.get(queue, { noAck: true })) {
        taken.push(m);
      }
      return taken;
    },
    { broker, timeoutMs: 120_000 },
  );
}

/** Deletes queues and exchanges a test declared. */
export async function deleteBrokerObjects(
  objects: { queues?: readonly string[]; exchanges?: readonly string[] },
  broker: Broker = machineBroker,
): Promise<void> {
  await withChannel(
    async (channel) => {
      for (const queue of objects.queues ?? []) await channel.deleteQueue(queue);
      for (const exchange of objects.exchanges ?? []) await channel.deleteExchange(exchange);
    },
    { broker },
  );
}

/** The names of a topology (`Topology` of @sensors/messaging, which this harness does not import). */
export interface TopologyNames {
  readonly exchange: string;
  readonly queue: string;
  readonly deadLetterExchange: string;
  readonly deadLetterQueue: string;
}

/** Deletes a topology a test declared: its queue and exchange, their dead-letter pair and `otherQueues`. */
export function deleteTopology(
  topology: TopologyNames,
  { otherQueues = [], broker = machineBroker }: { otherQueues?: readonly string[]; broker?: Broker } = {},
): Promise<void> {
  return deleteBrokerObjects(
    {
      queues: [topology.queue, topology.deadLetterQueue, ...otherQueues],
      exchanges: [topology.exchange, topology.deadLetterExchange],
    },
    broker,
  );
}

/** Number of ready messages in a queue (what `basic.get` would see). */
export function countQueueMessages(queue: string, broker: Broker = machineBroker): Promise<number> {
  return withChannel(async (channel) => (await channel.checkQueue(queue)).messageCount, { broker });
}

/**
 * Applies a broker policy to the test's own queues matching `pattern` (e.g. `{ 'max-length': 0 }`
 * to make a queue refuse publishes), waits until the broker lists it on a matching queue (when
 * one exists), and returns a function that removes it.
 */
export async function setQueuePolicy(
  name: string,
  pattern: string,
  definition: Record<string, unknown>,
  broker: Broker = machineBroker,
): Promise<() => Promise<void>> {
  await broker.ctl(['-q', 'set_policy', '--apply-to', 'queues', name, pattern, JSON.stringify(definition)]);
  const matches = new RegExp(pattern);
  await waitFor(`the broker to apply policy ${name} to the queues matching ${pattern}`, async () => {
    const listing = await broker.ctl(['-q', '--no-table-headers', 'list_queues', 'name', 'policy']);
    const rows = listing.split('\n').map((line) => line.split('\t'));
    const matching = rows.filter(([queue]) => queue && matches.test(queue));
    return matching.length === 0 || matching.some(([, policy]) => policy === name);
  });
  return async () => {
    await broker.ctl(['-q', 'clear_policy', name]);
  };
}

async function connectToAny(urls: readonly string[]): Promise<ChannelModel> {
  const failures: string[] = [];
  for (const url of urls) {
    try {
      return await connect(url, { timeout: 5000 });
    } catch (err) {
      failures.push(`${new URL(url).host}: ${(err as Error).message}`);
    }
  }
  throw new Error(`no broker node accepted a connection (${failures.join('; ')})`);
}
