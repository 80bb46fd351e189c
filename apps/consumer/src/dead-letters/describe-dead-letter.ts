import type { MessageProperties } from 'amqplib';
import { DEAD_LETTER_HEADERS } from '@sensors/sensor-model';

/** Why a message sits in the dead-letter queue, read from its headers. */
export interface DeadLetterDescription {
  /**
   * The code in the `x-sensors-reason` header, whatever the version that wrote it (the README's
   * "Dead letters" table lists them); the broker's reason with dashes when the broker
   * dead-lettered it (`delivery-limit` after too many deliveries, `expired`, `maxlen`,
   * `rejected`); or `unknown`.
   */
  reason: string;
  /** What is wrong, for a person (the consumer's `x-sensors-error`, or a sentence about `x-death`). */
  error: string | undefined;
  /** Fields at fault, as the consumer named them. */
  fields: string[];
  /** The queue the message was dead-lettered from. */
  sourceQueue: string | undefined;
  /** When it was dead-lettered, as an ISO-8601 time. */
  deadLetteredAt: string | undefined;
}

/**
 * Reads why a message was dead-lettered from its headers: the consumer's `x-sensors-*` headers
 * first (they are the latest word when a message was dead-lettered more than once), then the
 * broker's own `x-death`. Codes are taken as they are, not checked against a list, so a code
 * added later is counted under its own name.
 *
 * @example
 * describeDeadLetter(message.properties).reason; // 'invalid-reading', or 'delivery-limit'
 */
export function describeDeadLetter(properties: Pick<MessageProperties, 'headers'>): DeadLetterDescription {
  const headers = properties.headers ?? {};
  const code = text(headers[DEAD_LETTER_HEADERS.code]);
  if (code) {
    const fields = text(headers[DEAD_LETTER_HEADERS.fields]);
    return {
      reason: code,
      error: text(headers[DEAD_LETTER_HEADERS.message]),
      fields: fields ? fields.split(',') : [],
      sourceQueue: text(headers[DEAD_LETTER_HEADERS.queue]),
      deadLetteredAt: text(headers[DEAD_LETTER_HEADERS.at]),
    };
  }
  const death = latestDeath(headers['x-death']);
  if (death) {
    const brokerReason = text(death['reason']) ?? 'unknown';
    const queue = text(death['queue']);
    const count = typeof death['count'] === 'number' ? death['count'] : undefined;
    const seconds = timestampSeconds(death['time']);
    return {
      reason: brokerReason.replace(/_/g, '-'),
      error:
        `The broker dead-lettered it from "${queue ?? '?'}" (${brokerReason}` +
        `${count === undefined ? '' : `, ${count} time${count === 1 ? '' : 's'}`})` +
        (brokerReason === 'delivery_limit'
          ? ': consumers took it too many times without acking it (they crashed, were killed or lost' +
            ' their connection while holding it); look for that in their logs, then replay it'
          : ''),
      fields: [],
      sourceQueue: queue,
      deadLetteredAt: seconds === undefined ? undefined : new Date(seconds * 1000).toISOString(),
    };
  }
  return { reason: 'unknown', error: undefined, fields: [], sourceQueue: undefined, deadLetteredAt: undefined };
}

function latestDeath(value: unknown): Record<string, unknown> | undefined {
  // The broker puts the most recent dead-lettering first.
  const first: unknown = Array.isArray(value) ? value[0] : undefined;
  return typeof first === 'object' && first !== null ? (first as Record<string, unknown>) : undefined;
}

function timestampSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { value?: unknown }).value === 'number') {
    return (value as { value: number }).value;
  }
  return undefined;
}

/** A header's value as text: amqplib hands long strings over as Buffers. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}
