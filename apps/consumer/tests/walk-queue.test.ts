import { copyProperties } from '../src/dead-letters/walk-queue';
import { brokerDeath, consumerHeaders, properties } from './dead-letter-fixtures';

describe('copyProperties', () => {
  it('keeps the headers, reason and x-death included, but not the delivery counts', () => {
    const copy = copyProperties(
      properties({ headers: { ...brokerDeath, ...consumerHeaders, 'x-acquired-count': 4, 'x-trace': 'abc' } }),
    );
    const kept = Object.fromEntries(
      Object.entries({ ...brokerDeath, ...consumerHeaders, 'x-trace': 'abc' }).filter(
        ([name]) => name !== 'x-delivery-count',
      ),
    );
    expect(copy.headers).toEqual(kept);
  });

  it('keeps the properties, persistent, without userId and expiration', () => {
    const copy = copyProperties(
      properties({
        messageId: 'reading-1',
        contentType: 'application/json',
        timestamp: 1_767_323_045,
        appId: 'publisher',
        expiration: '60000',
        userId: 'sensors',
        deliveryMode: 1,
      }),
    );
    expect(copy).toEqual({
      messageId: 'reading-1',
      contentType: 'application/json',
      timestamp: 1_767_323_045,
      appId: 'publisher',
      headers: {},
      persistent: true,
    });
  });
});
