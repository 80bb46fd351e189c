import { peekQueue, type Broker } from '@sensors/testing';

/** A message found in a dead-letter queue. */
export interface DeadLetter {
  id: string | undefined;
  /** `x-sensors-reason`, or the broker's own `x-death` reason (e.g. a delivery limit). */
  reason: string | undefined;
  error: string | undefined;
}

/** Every message of a dead-letter queue, left in place. */
export async function peekDeadLetters(queue: string, broker: Broker): Promise<DeadLetter[]> {
  const messages = await peekQueue(queue, { broker });
  return messages.map(({ messageId, headers, content }) => {
    const deaths = headers['x-death'] as { reason?: unknown }[] | undefined;
    let id = messageId;
    if (id === undefined) {
      try {
        id = (JSON.parse(content.toString()) as { id?: string }).id;
      } catch {
        // Not JSON: a poison message without an id.
      }
    }
    return {
      id,
      reason: (headers['x-sensors-reason'] as string | undefined) ?? stringOrUndefined(deaths?.[0]?.reason),
      error: headers['x-sensors-error'] as string | undefined,
    };
  });
}

function stringOrUndefined(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Buffer.isBuffer(value)) return value.toString();
  return typeof value === 'string' ? value : JSON.stringify(value);
}
