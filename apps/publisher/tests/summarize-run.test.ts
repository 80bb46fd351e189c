import { newPublisherStats, type PublisherStats } from '../src/publish-readings';
import { summarizeRun } from '../src/summarize-run';

function stats(totals: Partial<PublisherStats>): PublisherStats {
  return { ...newPublisherStats(), ...totals };
}

describe('summarizeRun', () => {
  it('exits 0 once the generator has had its count confirmed', () => {
    const summary = summarizeRun(stats({ received: 5, published: 5, confirmed: 5 }), {
      source: 'generator',
      count: 5,
    });
    expect(summary).toMatchObject({ exitCode: 0, level: 'info' });
  });

  it('exits 1 when the generator stopped short of its count', () => {
    const summary = summarizeRun(stats({ received: 3, published: 3, confirmed: 3 }), {
      source: 'generator',
      count: 5,
    });
    expect(summary).toMatchObject({ exitCode: 1, level: 'error', fields: { requested: 5 } });
  });

  it('exits 0 when every line of the input is confirmed', () => {
    const summary = summarizeRun(stats({ received: 2, published: 2, confirmed: 2 }), {
      source: 'file',
      endOfInput: true,
    });
    expect(summary).toMatchObject({ exitCode: 0, message: 'publisher finished; every line is confirmed' });
  });

  it('exits 2 when every valid line is confirmed but some were invalid, and says why', () => {
    const totals = stats({
      received: 3,
      rejected: 1,
      rejectedByReason: { '(reading) is not valid JSON': 1 },
      published: 2,
      confirmed: 2,
      deadLetters: 1,
      deadLettered: 1,
    });
    expect(summarizeRun(totals, { source: 'stdin', endOfInput: true })).toMatchObject({
      exitCode: 2,
      level: 'warn',
      fields: { rejected: 1, rejectedByReason: { '(reading) is not valid JSON': 1 }, deadLettered: 1 },
    });
  });

  it('exits 1 when a valid line was refused, left unconfirmed, or never read', () => {
    const end = { source: 'file', endOfInput: true } as const;
    expect(summarizeRun(stats({ published: 2, confirmed: 1, failed: 1 }), end).exitCode).toBe(1);
    expect(summarizeRun(stats({ published: 2, confirmed: 1 }), end).fields).toMatchObject({ unconfirmed: 1 });
    expect(summarizeRun(stats({ published: 2, confirmed: 1 }), end).exitCode).toBe(1);
    expect(summarizeRun(stats({ published: 1, confirmed: 1 }), { ...end, endOfInput: false }).exitCode).toBe(1);
  });

  it('exits 1 when an invalid line could not be dead-lettered', () => {
    const totals = stats({ rejected: 1, deadLetters: 1, deadLettered: 0 });
    expect(summarizeRun(totals, { source: 'file', endOfInput: true })).toMatchObject({
      exitCode: 1,
      fields: { deadLettersUnconfirmed: 1 },
    });
  });

  it('exits 0 from the HTTP source unless readings were left unconfirmed', () => {
    expect(summarizeRun(stats({ rejected: 4, published: 1, confirmed: 1 }), { source: 'http' }).exitCode).toBe(0);
    expect(summarizeRun(stats({ published: 2, confirmed: 1 }), { source: 'http' }).exitCode).toBe(1);
  });

  it('counts HTTP requests by status in an HTTP run only', () => {
    const served = stats({ httpRequestsByStatus: { '202': 3 } });
    expect(summarizeRun(served, { source: 'http' }).fields).toMatchObject({ httpRequestsByStatus: { '202': 3 } });
    expect(summarizeRun(stats({}), { source: 'mqtt' }).fields).not.toHaveProperty('httpRequestsByStatus');
  });
});
