import { replayProperties } from '../src/dead-letters/replay-dead-letters';
import { brokerDeath, consumerHeaders, properties } from './dead-letter-fixtures';

describe('replayProperties', () => {
  it('drops the reason headers and the broker bookkeeping and keeps the message own headers', () => {
    const replayed = replayProperties(
      properties({ headers: { ...brokerDeath, ...consumerHeaders, 'x-trace': 'abc', tenant: 7 } }),
    );
    expect(replayed.headers).toEqual({ 'x-trace': 'abc', tenant: 7 });
  });

  it('keeps messageId and the other properties, persistent and mandatory', () => {
    const kept = {
      messageId: 'reading-1',
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      correlationId: 'c1',
      timestamp: 1_767_323_045,
      type: 'reading',
      appId: 'publisher',
    };
    expect(replayProperties(properties({ ...kept, deliveryMode: 1 }))).toEqual({
      ...kept,
      headers: {},
      persistent: true,
      mandatory: true,
    });
  });

  it('leaves out userId, which the broker checks against the publishing user', () => {
    expect(replayProperties(properties({ userId: 'sensors', messageId: 'm' }))).not.toHaveProperty('userId');
  });
});
