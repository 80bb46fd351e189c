import type { ChannelModel, GetMessage } from 'amqplib';
import type { Topology } from '@sensors/messaging';
import { describeDeadLetter, text, type DeadLetterDescription } from './describe-dead-letter';
import { walkQueue } from './walk-queue';

/** One dead letter as {@link listDeadLetters} shows it: its reason and the exact payload. */
export interface DeadLetterSample extends DeadLetterDescription {
  messageId: string | undefined;
  contentType: string | undefined;
  /** The payload byte for byte, as it was first published. */
  payload: Buffer;
}

/** What the dead-letter queue holds. */
export interface DeadLetterReport {
  /** Messages looked at: those ready in the queue when the listing started. */
  total: number;
  /**
   * Distinct message ids among them. Dead-lettering is at-least-once, so one message can sit
   * here more than once (see "Dead letters" in the README); a message without an id counts as
   * one of its own.
   */
  distinctIds: number;
  /** How many messages there are per {@link DeadLetterDescription.reason}. */
  byReason: Record<string, number>;
  /** How many distinct message ids there are per reason. */
  distinctIdsByReason: Record<string, number>;
  /** The first few of each reason, in queue order. */
  samples: DeadLetterSample[];
}

export interface ListDeadLettersOptions {
  /** Samples kept per reason (default 3; 0 for counts only). */
  sample?: number;
}

/**
 * Counts the dead-letter queue's messages by reason and distinct message id and returns a few
 * of each, leaving every message in the queue, in the same order, its delivery count untouched.
 *
 * Each message is copied to the back of the queue and the original acked once the broker has
 * confirmed the copy ({@link walkQueue}), rather than handed back: handing a message back
 * counts as a delivery, and quorum queues drop messages past their delivery limit. Only the
 * messages ready at the start are looked at, so dead letters arriving meanwhile cannot keep it
 * running forever. Another listing or a replay running at the same time can make this one count
 * a message twice; none is lost either way.
 *
 * @example
 * const report = await listDeadLetters(connection, topologyFor(config.topology), { sample: 5 });
 * report.byReason; // { 'invalid-reading': 12, 'delivery-limit': 1 }
 */
export async function listDeadLetters(
  connection: ChannelModel,
  topology: Topology,
  { sample = 3 }: ListDeadLettersOptions = {},
): Promise<DeadLetterReport> {
  return walkQueue(connection, topology.deadLetterQueue, async (walk) => {
    const byReason: Record<string, number> = {};
    const idsByReason = new Map<string, DistinctIds>();
    const ids = new DistinctIds();
    const samples: DeadLetterSample[] = [];
    let total = 0;
    for (let message = await walk.next(); message; message = await walk.next()) {
      total++;
      const description = describeDeadLetter(message.properties);
      const seen = (byReason[description.reason] ?? 0) + 1;
      byReason[description.reason] = seen;
      const messageId = text(message.properties.messageId);
      ids.add(messageId);
      if (!idsByReason.has(description.reason)) idsByReason.set(description.reason, new DistinctIds());
      idsByReason.get(description.reason)?.add(messageId);
      if (seen <= sample) samples.push(toSample(message, messageId, description));
      await walk.keep(message);
    }
    return {
      total,
      distinctIds: ids.count,
      byReason,
      distinctIdsByReason: Object.fromEntries([...idsByReason].map(([reason, distinct]) => [reason, distinct.count])),
      samples,
    };
  });
}

/** Counts distinct message ids; messages without one each count once. */
class DistinctIds {
  private readonly ids = new Set<string>();
  private withoutId = 0;

  add(messageId: string | undefined): void {
    if (messageId === undefined) this.withoutId++;
    else this.ids.add(messageId);
  }

  get count(): number {
    return this.ids.size + this.withoutId;
  }
}

function toSample(
  message: GetMessage,
  messageId: string | undefined,
  description: DeadLetterDescription,
): DeadLetterSample {
  return { ...description, messageId, contentType: text(message.properties.contentType), payload: message.content };
}
