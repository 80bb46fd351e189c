// Dead letters' properties as amqplib decodes them, shared by the unit tests.
import type { MessageProperties } from 'amqplib';
import { DEAD_LETTER_HEADERS } from '@sensors/sensor-model';

/** Message properties as amqplib decodes them, headers loosely typed (the typings miss `delivery_limit`). */
export function properties({
  headers,
  ...overrides
}: Partial<Omit<MessageProperties, 'headers'>> & { headers?: Record<string, unknown> }): MessageProperties {
  return {
    contentType: undefined,
    contentEncoding: undefined,
    deliveryMode: undefined,
    priority: undefined,
    correlationId: undefined,
    replyTo: undefined,
    expiration: undefined,
    messageId: undefined,
    timestamp: undefined,
    type: undefined,
    userId: undefined,
    appId: undefined,
    clusterId: undefined,
    ...overrides,
    headers,
  };
}

/** The headers the consumer gives a reading it dead-letters. */
export const consumerHeaders = {
  [DEAD_LETTER_HEADERS.code]: 'invalid-reading',
  [DEAD_LETTER_HEADERS.message]: 'Invalid sensor reading: content.temperature_f must be a finite number (got "90")',
  [DEAD_LETTER_HEADERS.fields]: 'content.temperature_f,id',
  [DEAD_LETTER_HEADERS.queue]: 'sensor-readings',
  [DEAD_LETTER_HEADERS.at]: '2026-01-02T03:04:05.000Z',
};

// As amqplib decodes the header a quorum queue adds when its delivery limit is reached.
export const brokerDeath = {
  'x-death': [
    {
      count: 1,
      reason: 'delivery_limit',
      queue: 'sensor-readings',
      time: { '!': 'timestamp', value: 1_767_323_045 },
      exchange: 'sensors',
      'routing-keys': ['sensor.reading'],
    },
  ],
  'x-first-death-exchange': 'sensors',
  'x-first-death-queue': 'sensor-readings',
  'x-first-death-reason': 'delivery_limit',
  'x-delivery-count': 3,
};
