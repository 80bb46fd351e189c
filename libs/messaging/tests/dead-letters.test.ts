import type { MessageProperties } from 'amqplib';
import { describeDeadLetter, replayProperties } from '../src/dead-letters';
import { DEAD_LETTER_HEADERS } from '../src/queue-consumer';

/** Message properties as amqplib decodes them, headers loosely typed (the typings miss `delivery_limit`). */
function properties({
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
    headers: headers as MessageProperties['headers'],
  };
}

const consumerHeaders = {
  [DEAD_LETTER_HEADERS.code]: 'invalid-reading',
  [DEAD_LETTER_HEADERS.message]: 'Invalid sensor reading: content.temperature_f must be a finite number (got "90")',
  [DEAD_LETTER_HEADERS.fields]: 'content.temperature_f,id',
  [DEAD_LETTER_HEADERS.queue]: 'sensor-readings',
  [DEAD_LETTER_HEADERS.at]: '2026-01-02T03:04:05.000Z',
};

// As amqplib decodes the header a quorum queue adds when its delivery limit is reached.
const brokerDeath = {
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

describe('describeDeadLetter', () => {
  it('reads the consumer reason, error, fields, queue and time', () => {
    expect(describeDeadLetter(properties({ headers: consumerHeaders }))).toEqual({
      reason: 'invalid-reading',
      error: consumerHeaders[DEAD_LETTER_HEADERS.message],
      fields: ['content.temperature_f', 'id'],
      sourceQueue: 'sensor-readings',
      deadLetteredAt: '2026-01-02T03:04:05.000Z',
    });
  });

  it('reports a message the broker dead-lettered after its delivery limit as delivery-limit', () => {
    const description = describeDeadLetter(properties({ headers: brokerDeath }));
    expect(description).toMatchObject({
      reason: 'delivery-limit',
      fields: [],
      sourceQueue: 'sensor-readings',
      deadLetteredAt: new Date(1_767_323_045_000).toISOString(),
    });
    expect(description.error).toContain('"sensor-readings" (delivery_limit, 1 time)');
  });

  it('prefers the consumer reason when a message carries both', () => {
    expect(describeDeadLetter(properties({ headers: { ...brokerDeath, ...consumerHeaders } })).reason).toBe(
      'invalid-reading',
    );
  });

  it('turns other broker reasons into dashed codes', () => {
    const headers = { 'x-death': [{ count: 2, reason: 'expired', queue: 'q', time: 5 }] };
    expect(describeDeadLetter(properties({ headers }))).toMatchObject({ reason: 'expired', sourceQueue: 'q' });
  });

  it('says unknown when no header tells the reason', () => {
    expect(describeDeadLetter(properties({ headers: { other: 'x' } }))).toEqual({
      reason: 'unknown',
      error: undefined,
      fields: [],
      sourceQueue: undefined,
      deadLetteredAt: undefined,
    });
    expect(describeDeadLetter(properties({})).reason).toBe('unknown');
  });

  it('reads no fields from an empty fields header', () => {
    const headers = { ...consumerHeaders, [DEAD_LETTER_HEADERS.fields]: '' };
    expect(describeDeadLetter(properties({ headers })).fields).toEqual([]);
  });
});

describe('replayProperties', () => {
  it('drops the reason headers and the broker bookkeeping and keeps the message own headers', () => {
    const replayed = replayProperties(
      properties({ headers: { ...brokerDeath, ...consumerHeaders, 'x-trace': 'abc', tenant: 7 } }),
    );
    expect(replayed.headers).toEqual({ 'x-trace': 'abc', tenant: 7 });
  });

  it('keeps messageId and the other properties, persistent and mandatory', () => {
    const replayed = replayProperties(
      properties({
        messageId: 'reading-1',
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        correlationId: 'c1',
        timestamp: 1_767_323_045,
        type: 'reading',
        appId: 'publisher',
        deliveryMode: 1,
      }),
    );
    expect(replayed).toEqual({
      messageId: 'reading-1',
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      correlationId: 'c1',
      timestamp: 1_767_323_045,
      type: 'reading',
      appId: 'publisher',
      headers: {},
      persistent: true,
      mandatory: true,
    });
  });

  it('leaves out userId, which the broker checks against the publishing user', () => {
    expect(replayProperties(properties({ userId: 'sensors', messageId: 'm' }))).not.toHaveProperty('userId');
  });
});
