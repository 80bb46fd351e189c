import { connect, type Channel, type ChannelModel } from 'amqplib';
import { execCommand } from './exec-command';
import { withTimeout } from './wait';

/** The broker the drill and the apps use: `DRILL_AMQP_URL`, or the local RabbitMQ. */
export const amqpUrl = process.env['DRILL_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

/** A RabbitMQ the drill talks to: the local broker, or the throw-away cluster of the node-loss scenarios. */
export interface Broker {
  /** Its nodes' AMQP URLs; the drill's own connections try them in order. */
  readonly urls: readonly string[];
  /** Runs `rabbitmqctl` against a node that answers. */
  ctl(args: readonly string[], timeoutMs?: number): Promise<string>;
}

/** `rabbitmqctl`, or what RABBITMQCTL says (e.g. `docker compose exec -T rabbitmq rabbitmqctl`). */
export function rabbitmqctl(args: readonly string[], timeoutMs = 30_000): Promise<string> {
  const [command, ...prefix] = (process.env['RABBITMQCTL'] ?? 'rabbitmqctl').split(' ');
  return execCommand(command, [...prefix, ...args], timeoutMs);
}

/** The broker of every scenario but the cluster ones. */
export const localBroker: Broker = { urls: [amqpUrl], ctl: rabbitmqctl };

/** Broker-side pids of the connections whose `connection_name` is one of `names` (no one else's). */
export async function connectionPids(names: readonly string[]): Promise<string[]> {
  // The tabular output gives pids in the form close_connection accepts (the JSON one does not).
  const listing = await rabbitmqctl(['-q', '--no-table-headers', 'list_connections', 'pid', 'client_properties']);
  const markers = names.map((name) => `{"connection_name","${name}"}`);
  return listing
    .split('\n')
    .filter((line) => markers.some((marker) => line.includes(marker)))
    .map((line) => line.split('\t')[0]);
}

/** Force-closes connections on the broker's side, as an outage would; returns how many it closed. */
export async function closeConnections(pids: readonly string[]): Promise<number> {
  const results = await Promise.allSettled(
    pids.map((pid) => rabbitmqctl(['-q', 'close_connection', pid, 'closed by the fault drill'])),
  );
  // A rejection means the connection was already gone (the client was reconnecting).
  return results.filter((result) => result.status === 'fulfilled').length;
}

/** A queue's depth as the broker reports it: `messages` counts ready and unacked ones. */
export interface QueueDepth {
  messages: number;
  ready: number;
  unacked: number;
}

/** The depth of `queue`, or undefined when the broker does not list it. */
export async function queueDepth(queue: string, broker: Broker = localBroker): Promise<QueueDepth | undefined> {
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

/** How the memory high watermark is set: a fraction of the RAM, or bytes. */
export type WatermarkSetting = { relative: number } | { absolute: number | string };

/** What `rabbitmqctl status` says about memory: the watermark in force and active alarms. */
export interface BrokerMemoryStatus {
  watermark: WatermarkSetting;
  alarms: unknown[];
}

export async function readBrokerMemoryStatus(): Promise<BrokerMemoryStatus> {
  const status = JSON.parse(await rabbitmqctl(['status', '--formatter', 'json'])) as Record<string, unknown>;
  const setting = status['vm_memory_high_watermark_setting'] as Record<string, unknown> | undefined;
  let watermark: WatermarkSetting;
  if (setting && typeof setting['relative'] === 'number') watermark = { relative: setting['relative'] };
  else if (setting && setting['absolute'] !== undefined) watermark = { absolute: setting['absolute'] as number };
  else throw new Error(`unexpected vm_memory_high_watermark_setting in rabbitmqctl status: ${JSON.stringify(setting)}`);
  return { watermark, alarms: (status['alarms'] as unknown[] | undefined) ?? [] };
}

export function describeWatermark(setting: WatermarkSetting): string {
  return 'relative' in setting ? `${setting.relative} (relative)` : `${setting.absolute} (absolute)`;
}

export async function setWatermark(setting: WatermarkSetting): Promise<void> {
  const args =
    'relative' in setting
      ? ['set_vm_memory_high_watermark', String(setting.relative)]
      : ['set_vm_memory_high_watermark', 'absolute', String(setting.absolute)];
  await rabbitmqctl(args);
}

/**
 * Opens a short-lived AMQP connection for one piece of work, bounded in time; on a cluster,
 * to the first node that accepts it (a scenario may have just stopped one).
 */
export async function withChannel<T>(
  work: (channel: Channel) => Promise<T>,
  timeoutMs = 20_000,
  broker: Broker = localBroker,
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

/** A message found in a dead-letter queue. */
export interface DeadLetter {
  id: string | undefined;
  /** `x-sensors-reason`, or the broker's own `x-death` reason (e.g. a delivery limit). */
  reason: string | undefined;
  error: string | undefined;
}

/**
 * Reads every message of a dead-letter queue without removing it: they are fetched unacked
 * and go back to the queue when the channel closes.
 */
export async function peekDeadLetters(
  queue: string,
  broker: Broker = localBroker,
  max = 1_000_000,
): Promise<DeadLetter[]> {
  return withChannel(
    async (channel) => {
      const letters: DeadLetter[] = [];
      while (letters.length < max) {
        const message = await channel.get(queue, { noAck: false });
        if (message === false) break;
        const headers = (message.properties.headers ?? {}) as Record<string, unknown>;
        const deaths = headers['x-death'] as { reason?: unknown }[] | undefined;
        let id = message.properties.messageId as string | undefined;
        if (id === undefined) {
          try {
            id = (JSON.parse(message.content.toString()) as { id?: string }).id;
          } catch {
            // Not JSON: a poison message without an id.
          }
        }
        letters.push({
          id,
          reason: (headers['x-sensors-reason'] as string | undefined) ?? stringOrUndefined(deaths?.[0]?.reason),
          error: headers['x-sensors-error'] as string | undefined,
        });
      }
      return letters;
    },
    120_000,
    broker,
  );
}

/** Ready messages in a queue (what `basic.get` would see). */
export function countReady(queue: string, broker: Broker = localBroker): Promise<number> {
  return withChannel(async (channel) => (await channel.checkQueue(queue)).messageCount, undefined, broker);
}

/** Deletes the queues and exchanges of one scenario. */
export async function deleteTopology(
  queues: readonly string[],
  exchanges: readonly string[],
  broker: Broker = localBroker,
): Promise<void> {
  await withChannel(
    async (channel) => {
      for (const queue of queues) await channel.deleteQueue(queue);
      for (const exchange of exchanges) await channel.deleteExchange(exchange);
    },
    undefined,
    broker,
  );
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

function stringOrUndefined(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return Buffer.isBuffer(value) ? value.toString() : String(value);
}
