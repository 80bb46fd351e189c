import { DEAD_LETTER_HEADERS } from '@sensors/sensor-model';
import { describeDeadLetter } from '../src/dead-letters/describe-dead-letter';
import { brokerDeath, consumerHeaders, properties } from './dead-letter-fixtures';

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

  it('takes a code it has never heard of as it is', () => {
    const headers = { ...consumerHeaders, [DEAD_LETTER_HEADERS.code]: 'repeated-crash' };
    expect(describeDeadLetter(properties({ headers })).reason).toBe('repeated-crash');
  });

  it('reads headers amqplib hands over as Buffers', () => {
    const headers = {
      [DEAD_LETTER_HEADERS.code]: Buffer.from('consumer-error'),
      [DEAD_LETTER_HEADERS.fields]: Buffer.from('id'),
    };
    expect(describeDeadLetter(properties({ headers }))).toMatchObject({ reason: 'consumer-error', fields: ['id'] });
  });

  it('reads no fields from an empty fields header', () => {
    const headers = { ...consumerHeaders, [DEAD_LETTER_HEADERS.fields]: '' };
    expect(describeDeadLetter(properties({ headers })).fields).toEqual([]);
  });
});
