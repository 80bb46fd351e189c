import { matchExpectedDeadLetters } from '../src/run-scenario';

describe('matchExpectedDeadLetters', () => {
  const expected = new Map([['poison', 'repeated-crash']]);
  const letter = (id: string | undefined, reason = 'repeated-crash') => ({ id, reason, error: undefined });

  it('accepts the expected dead letter once with its reason', () => {
    expect(matchExpectedDeadLetters(expected, [letter('poison')]).ok).toBe(true);
  });

  it('refuses a good reading dead-lettered beside it', () => {
    const { ok, detail } = matchExpectedDeadLetters(expected, [letter('poison'), letter('good-1', 'delivery-limit')]);
    expect(ok).toBe(false);
    expect(detail).toContain('1 unexpected');
  });

  it('refuses a dead letter without an id', () => {
    expect(matchExpectedDeadLetters(expected, [letter('poison'), letter(undefined)]).ok).toBe(false);
  });

  it('refuses the expected one missing, repeated or for another reason', () => {
    expect(matchExpectedDeadLetters(expected, []).ok).toBe(false);
    expect(matchExpectedDeadLetters(expected, [letter('poison'), letter('poison')]).ok).toBe(false);
    expect(matchExpectedDeadLetters(expected, [letter('poison', 'delivery-limit')]).ok).toBe(false);
  });
});
