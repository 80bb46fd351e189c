import { peekQueue, type Broker, type PeekedMessage } from '@sensors/testing';

/** A reading found in a dead-letter queue, alone or in a dead-lettered envelope. */
export interface DeadLetter {
  id: string | undefined;
  /** `x-sensors-reason`, or the broker's own `x-death` reason (e.g. a delivery limit). */
  reason: string | undefined;
  error: string | undefined;
}

/** Every reading of a dead-letter queue (see {@link readDeadLetters}); the messages are left in place. */
export async function peekDeadLetters(queue: string, broker: Broker): Promise<DeadLetter[]> {
  return readDeadLetters(await peekQueue(queue, { broker }));
}

/**
 * The readings of dead-lettered messages: one per reading of an envelope (`{"readings": […]}`,
 * set aside whole, e.g. by the broker's delivery limit), else one per message, its id the
 * message id or the body's `id`. Each carries its message's reason and error.
 */
export function readDeadLetters(messages: readonly PeekedMessage[]): DeadLetter[] {
  return messages.flatMap(({ messageId, headers, content }) => {
    const deaths = headers['x-death'] as { reason?: unknown }[] | undefined;
    const reason = (headers['x-sensors-reason'] as string | undefined) ?? stringOrUndefined(deaths?.[0]?.reason);
    const error = headers['x-sensors-error'] as string | undefined;
    const body = parseJson(content);
    if (isObject(body) && Array.isArray(body['readings'])) {
      return body['readings'].map((reading: unknown) => ({ id: idOf(reading), reason, error }));
    }
    return [{ id: messageId ?? idOf(body), reason, error }];
  });
}

function parseJson(content: Buffer): unknown {
  try {
    return JSON.parse(content.toString());
  } catch {
    // Not JSON: a poison message without an id.
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function idOf(reading: unknown): string | undefined {
  return isObject(reading) && typeof reading['id'] === 'string' ? reading['id'] : undefined;
}

function stringOrUndefined(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Buffer.isBuffer(value)) return value.toString();
  return typeof value === 'string' ? value : JSON.stringify(value);
}
