import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { connect } from 'amqplib';
import { testAmqpUrl } from './services';

const execFileAsync = promisify(execFile);

/** `rabbitmqctl`, or what RABBITMQCTL says (e.g. `docker compose exec -T rabbitmq rabbitmqctl`). */
function rabbitmqctl(args: string[]) {
  const [command, ...prefix] = (process.env['RABBITMQCTL'] ?? 'rabbitmqctl').split(' ');
  return execFileAsync(command, [...prefix, ...args]);
}

/**
 * Force-closes, on the broker's side, every connection whose `connection_name` is `name`
 * (as `rabbitmqctl close_connection` does in an outage); returns how many it closed.
 */
export async function closeBrokerConnections(name: string): Promise<number> {
  // The tabular output gives pids in the form close_connection accepts (the JSON one does not).
  const { stdout } = await rabbitmqctl(['-q', '--no-table-headers', 'list_connections', 'pid', 'client_properties']);
  const marker = `{"connection_name","${name}"}`;
  const pids = stdout
    .split('\n')
    .filter((line) => line.includes(marker))
    .map((line) => line.split('\t')[0]);
  for (const pid of pids) {
    await rabbitmqctl(['-q', 'close_connection', pid, 'closed by a test']);
  }
  return pids.length;
}

/** Deletes queues and exchanges a test declared. */
export async function deleteBrokerObjects(objects: { queues?: string[]; exchanges?: string[] }): Promise<void> {
  const connection = await connect(testAmqpUrl);
  try {
    const channel = await connection.createChannel();
    for (const queue of objects.queues ?? []) await channel.deleteQueue(queue);
    for (const exchange of objects.exchanges ?? []) await channel.deleteExchange(exchange);
  } finally {
    await connection.close();
  }
}

/** Number of ready messages in a queue. */
export async function countQueueMessages(queue: string): Promise<number> {
  const connection = await connect(testAmqpUrl);
  try {
    const channel = await connection.createChannel();
    return (await channel.checkQueue(queue)).messageCount;
  } finally {
    await connection.close();
  }
}

/**
 * Applies a broker policy to the queues matching `pattern` (e.g. `{ 'max-length': 0 }` to make a
 * queue refuse publishes), waits until the broker lists it on a matching queue (when one
 * exists), and returns a function that removes it.
 */
export async function setQueuePolicy(
  name: string,
  pattern: string,
  definition: Record<string, unknown>,
): Promise<() => Promise<void>> {
  await rabbitmqctl(['-q', 'set_policy', '--apply-to', 'queues', name, pattern, JSON.stringify(definition)]);
  const matches = new RegExp(pattern);
  for (let tries = 0; tries < 100; tries++) {
    const { stdout } = await rabbitmqctl(['-q', '--no-table-headers', 'list_queues', 'name', 'policy']);
    const rows = stdout.split('\n').map((line) => line.split('\t'));
    const matching = rows.filter(([queue]) => queue && matches.test(queue));
    if (matching.length === 0 || matching.some(([, policy]) => policy === name)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return async () => {
    await rabbitmqctl(['-q', 'clear_policy', name]);
  };
}
