import type { Channel, ChannelModel } from 'amqplib';
import { TopologyMismatchError, declareDeadLetterQueue, type Topology } from '@sensors/messaging';
import { walkQueue } from './walk-queue';

/** How the dead-letter queue stands against the declaration of this version. */
export type DeadLetterQueueState = 'missing' | 'current' | 'earlier';

/** What {@link migrateDeadLetterQueue} did. */
export interface MigrationResult {
  /**
   * `migrated` (dead letters were carried over, or the queue was redeclared), `current`
   * (nothing to do) or `created` (there was no such queue).
   */
  outcome: 'created' | 'current' | 'migrated';
  /** Dead letters carried over from the queue declared the earlier way. */
  moved: number;
}

/**
 * Tells whether the dead-letter queue exists and, if so, whether it was declared the way this
 * version declares it (`current`) or by an earlier version (`earlier`), without changing it.
 */
export async function deadLetterQueueState(
  connection: ChannelModel,
  topology: Topology,
): Promise<DeadLetterQueueState> {
  if (!(await queueExists(connection, topology.deadLetterQueue))) return 'missing';
  return (await declaresAsToday(connection, topology)) ? 'current' : 'earlier';
}

/**
 * Redeclares a dead-letter queue declared by an earlier version (one without the delivery limit
 * this version gives it) under the same name, keeping every dead letter; the broker cannot
 * change the arguments of a queue in place. Declares the queue if there is none; does nothing
 * to one already declared this way. Safe to run while the apps run, and again after an
 * interruption. Run no other `dead-letters` command meanwhile: the old queue is deleted once it
 * looks empty, and a dead letter another command holds at that moment would go with it.
 *
 * The dead letters move twice, through a stand-in queue `<dead-letter queue>.migrating`
 * declared the new way:
 * 1. the stand-in is bound to the dead-letter exchange, then the old queue unbound, so that
 *    new dead letters always have a queue to go to (one arriving between the two steps lands
 *    in both: dead-lettering is at-least-once, and `list` and `replay` cope with copies);
 * 2. every message of the old queue is copied to the stand-in and acked once the copy is
 *    confirmed, then the empty old queue is deleted;
 * 3. the queue is declared again the new way and bound, the stand-in unbound, its messages
 *    moved back the same way, and the stand-in deleted.
 *
 * @example
 * const { outcome, moved } = await migrateDeadLetterQueue(connection, topologyFor(config.topology));
 */
export async function migrateDeadLetterQueue(connection: ChannelModel, topology: Topology): Promise<MigrationResult> {
  const queue = topology.deadLetterQueue;
  const standIn = `${queue}.migrating`;
  const existed = await queueExists(connection, queue);
  const current = await declaresAsToday(connection, topology);
  let moved = 0;
  if (!current) {
    await onChannel(connection, async (channel) => {
      await channel.assertExchange(topology.deadLetterExchange, 'fanout', { durable: true });
      await declareDeadLetterQueue(channel, topology, standIn);
      await channel.bindQueue(standIn, topology.deadLetterExchange, '');
      await channel.unbindQueue(queue, topology.deadLetterExchange, '');
    });
    moved = await moveAll(connection, queue, standIn);
    await onChannel(connection, (channel) => channel.deleteQueue(queue));
  }
  if (await queueExists(connection, standIn)) {
    await onChannel(connection, async (channel) => {
      await declareDeadLetterQueue(channel, topology);
      await channel.bindQueue(queue, topology.deadLetterExchange, '');
      await channel.unbindQueue(standIn, topology.deadLetterExchange, '');
    });
    const back = await moveAll(connection, standIn, queue);
    // A run that resumes an interrupted one finds the dead letters in the stand-in only.
    if (current) moved = back;
    await onChannel(connection, (channel) => channel.deleteQueue(standIn));
  }
  await onChannel(connection, async (channel) => {
    await channel.assertExchange(topology.deadLetterExchange, 'fanout', { durable: true });
    await channel.bindQueue(queue, topology.deadLetterExchange, '');
  });
  return { outcome: !current || moved > 0 ? 'migrated' : existed ? 'current' : 'created', moved };
}

/**
 * Moves every message of `from` to `to` (copy, confirm, ack), until `from` has none left, not
 * even one another reader handed back meanwhile; resolves to how many it moved.
 *
 * @throws when messages stay in `from` that cannot be taken for a minute: another reader
 * holds them, and the queue must not be deleted under it.
 */
async function moveAll(connection: ChannelModel, from: string, to: string): Promise<number> {
  let moved = 0;
  // The queue's count lags its acks by a moment; a reader may also hold some and hand them back.
  for (let idle = 0; idle < 600; ) {
    const count = await walkQueue(
      connection,
      from,
      async (walk) => {
        let taken = 0;
        for (let message = await walk.next(); message; message = await walk.next()) {
          await walk.keep(message);
          taken++;
        }
        return taken;
      },
      { copiesTo: to },
    );
    moved += count;
    const { messageCount } = await onChannel(connection, (channel) => channel.checkQueue(from));
    if (messageCount === 0) return moved;
    idle = count > 0 ? 0 : idle + 1;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `messages stay in "${from}" that cannot be taken: another reader holds them; stop it, then run the migration again`,
  );
}

/** Whether declaring the dead-letter queue the way this version does succeeds (declaring it if missing). */
async function declaresAsToday(connection: ChannelModel, topology: Topology): Promise<boolean> {
  try {
    await onChannel(connection, (channel) => declareDeadLetterQueue(channel, topology));
    return true;
  } catch (err) {
    if (err instanceof TopologyMismatchError) return false;
    throw err;
  }
}

async function queueExists(connection: ChannelModel, queue: string): Promise<boolean> {
  try {
    await onChannel(connection, (channel) => channel.checkQueue(queue));
    return true;
  } catch (err) {
    if ((err as { code?: unknown }).code === 404) return false;
    throw err;
  }
}

/**
 * Runs `work` on a channel of its own and closes it: the broker closes a channel on the first
 * refused operation, so each step that may be refused gets a fresh one.
 */
async function onChannel<T>(connection: ChannelModel, work: (channel: Channel) => Promise<T>): Promise<T> {
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  try {
    return await work(channel);
  } finally {
    await channel.close().catch(() => undefined);
  }
}
