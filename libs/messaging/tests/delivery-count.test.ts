import type { Message } from 'amqplib';
import { deliveryCountOf } from '../src/delivery-count';

function message(redelivered: boolean, headers: Record<string, unknown>): Pick<Message, 'fields' | 'properties'> {
  return {
    fields: { redelivered, deliveryTag: 1, exchange: 'x', routingKey: 'k' },
    properties: { headers } as Message['properties'],
  };
}

describe('deliveryCountOf', () => {
  it('reads the larger of x-delivery-count and x-acquired-count on a redelivered message', () => {
    expect(deliveryCountOf(message(true, { 'x-delivery-count': 2 }))).toBe(2);
    expect(deliveryCountOf(message(true, { 'x-delivery-count': 1, 'x-acquired-count': 4 }))).toBe(4);
  });

  it('is 0 on a first delivery, whatever count its publisher wrote in the headers', () => {
    expect(deliveryCountOf(message(false, { 'x-delivery-count': 10 }))).toBe(0);
    expect(deliveryCountOf(message(false, { 'x-acquired-count': 1 }))).toBe(0);
  });

  it('is 0 on a redelivered message without a count (a classic queue) or with one that is not a number', () => {
    expect(deliveryCountOf(message(true, {}))).toBe(0);
    expect(deliveryCountOf(message(true, { 'x-delivery-count': '7' }))).toBe(0);
  });
});
