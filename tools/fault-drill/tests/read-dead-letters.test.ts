import { readDeadLetters } from '../src/dead-letters';

const message = (content: string, headers: Record<string, unknown> = {}, messageId?: string) => ({
  messageId,
  headers,
  content: Buffer.from(content),
});

describe('readDeadLetters', () => {
  it('counts each reading of a dead-lettered envelope, with the envelope’s reason', () => {
    const envelope = message(
      JSON.stringify({ readings: [{ id: 'a' }, { id: 'b' }, { temperature: 1 }] }),
      { 'x-death': [{ reason: Buffer.from('delivery_limit') }] },
      'a+3',
    );
    expect(readDeadLetters([envelope])).toEqual([
      { id: 'a', reason: 'delivery_limit', error: undefined },
      { id: 'b', reason: 'delivery_limit', error: undefined },
      { id: undefined, reason: 'delivery_limit', error: undefined },
    ]);
  });

  it('takes a lone message’s id from its message id, else from its body', () => {
    const headers = { 'x-sensors-reason': 'invalid-reading', 'x-sensors-error': 'content.temperature_f: …' };
    expect(readDeadLetters([message('{"id":"in-body"}', headers), message('{"id":"x"}', headers, 'prop')])).toEqual([
      { id: 'in-body', reason: 'invalid-reading', error: 'content.temperature_f: …' },
      { id: 'prop', reason: 'invalid-reading', error: 'content.temperature_f: …' },
    ]);
  });

  it('keeps a message that is not JSON, without an id', () => {
    expect(readDeadLetters([message('\u0000not json', { 'x-sensors-reason': 'invalid-envelope' })])).toEqual([
      { id: undefined, reason: 'invalid-envelope', error: undefined },
    ]);
  });
});
