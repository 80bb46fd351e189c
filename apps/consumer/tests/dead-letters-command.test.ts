import { topologyFor, type DeadLetterReport, type DeadLetterSample } from '@sensors/messaging';
import { closedPort } from '@sensors/testing';
import { loadConsumerConfig } from '../src/config';
import {
  describePayload,
  formatDeadLetterReport,
  formatReplayResult,
  runDeadLettersCommand,
} from '../src/dead-letters-command';

const topology = topologyFor({ exchange: 'sensors', queue: 'sensor-readings' });

function sample(overrides: Partial<DeadLetterSample>): DeadLetterSample {
  return {
    reason: 'invalid-reading',
    error: 'Invalid sensor reading: content.temperature_f must be a finite number, not a string (got "90")',
    fields: ['content.temperature_f'],
    sourceQueue: 'sensor-readings',
    deadLetteredAt: '2026-01-02T03:04:05.000Z',
    messageId: 'r-1',
    contentType: 'application/json',
    payload: Buffer.from('{"id":"r-1"}'),
    ...overrides,
  };
}

describe('readDeadLettersCommand', () => {
  it('reads list with its sample size', () => {
    expect(loadConsumerConfig(['dead-letters', 'list', '--sample', '5'], { exitOverride: true })).toMatchObject({
      command: 'dead-letters',
      deadLetters: { action: 'list', sample: 5, json: false },
    });
  });

  it('reads replay with a reason, a limit and JSON output', () => {
    const config = loadConsumerConfig(
      ['dead-letters', 'replay', '--reason', 'database-rejected', '--limit', '10', '--json'],
      { exitOverride: true },
    );
    expect(config.deadLetters).toEqual({
      action: 'replay',
      sample: 3,
      reason: 'database-rejected',
      limit: 10,
      json: true,
    });
  });

  it('leaves it unset for the other commands', () => {
    expect(loadConsumerConfig(['run'], { exitOverride: true }).deadLetters).toBeUndefined();
  });

  it('asks for an action', () => {
    expect(() => loadConsumerConfig(['dead-letters'], { exitOverride: true })).toThrow(/"list" or "replay"/);
    expect(() => loadConsumerConfig(['dead-letters', 'purge'], { exitOverride: true })).toThrow(/not "purge"/);
  });

  it('refuses replay options on list', () => {
    expect(() => loadConsumerConfig(['dead-letters', 'list', '--reason', 'x'], { exitOverride: true })).toThrow(
      /--reason and --limit/,
    );
  });

  it('refuses a limit that is not a positive whole number', () => {
    expect(() => loadConsumerConfig(['dead-letters', 'replay', '--limit', '0'], { exitOverride: true })).toThrow(
      /--limit/,
    );
  });

  it('refuses an action after another command', () => {
    expect(() => loadConsumerConfig(['run', 'list'], { exitOverride: true })).toThrow(/unexpected argument "list"/);
  });
});

describe('formatDeadLetterReport', () => {
  it('says when the queue is empty', () => {
    expect(formatDeadLetterReport({ total: 0, byReason: {}, samples: [] }, topology, 3)).toBe(
      'sensor-readings.dead-letter is empty.\n',
    );
  });

  it('lists the reasons, most frequent first, with their counts', () => {
    const report: DeadLetterReport = {
      total: 13,
      byReason: { 'delivery-limit': 1, 'invalid-reading': 10, 'unsupported-content-type': 2 },
      samples: [],
    };
    const lines = formatDeadLetterReport(report, topology, 0).split('\n');
    expect(lines.slice(0, 6)).toEqual([
      'sensor-readings.dead-letter: 13 dead letters',
      '',
      '  reason                    count',
      '  invalid-reading              10',
      '  unsupported-content-type      2',
      '  delivery-limit                1',
    ]);
  });

  it('shows each sample with its error, fields and payload', () => {
    const report = { total: 1, byReason: { 'invalid-reading': 1 }, samples: [sample({})] };
    const text = formatDeadLetterReport(report, topology, 3);
    expect(text).toContain(
      '  invalid-reading  message r-1  at 2026-01-02T03:04:05.000Z  from sensor-readings\n' +
        '    error:   Invalid sensor reading: content.temperature_f must be a finite number, not a string (got "90")\n' +
        '    fields:  content.temperature_f\n' +
        '    type:    application/json\n' +
        '    payload: {"id":"r-1"} (12 bytes)\n',
    );
    expect(text).toContain('consumer dead-letters replay');
  });

  it('escapes control characters a payload or id could use to rewrite the terminal', () => {
    const report = {
      total: 1,
      byReason: { 'invalid-reading': 1 },
      samples: [sample({ messageId: 'a\u001b[2Jb', payload: Buffer.from('x\u202ey\n') })],
    };
    const text = formatDeadLetterReport(report, topology, 3);
    expect(text).toContain('message a\\u001b[2Jb');
    expect(text).toContain('payload: x\\u202ey\\u000a (6 bytes)');
    expect(text).not.toContain('\u001b');
  });
});

describe('describePayload', () => {
  it('says when the payload is empty', () => {
    expect(describePayload(Buffer.alloc(0))).toBe('(empty)');
  });

  it('cuts a long payload to 200 characters and gives its size', () => {
    expect(describePayload(Buffer.alloc(1024 * 1024, 'x'))).toBe(`${'x'.repeat(200)}… (1048576 bytes)`);
  });

  it('cuts between characters, not inside one', () => {
    expect(describePayload(Buffer.from('🌡'.repeat(300)))).toBe(`${'🌡'.repeat(200)}… (1200 bytes)`);
  });
});

describe('formatReplayResult', () => {
  it('says how many were replayed, with which reason, and how many stayed', () => {
    expect(formatReplayResult({ replayed: 2, kept: 5 }, topology, 'database-rejected')).toBe(
      'Replayed 2 dead letters with reason database-rejected to exchange sensors (routing key sensor.reading); ' +
        '5 looked at and left in sensor-readings.dead-letter.\n',
    );
  });
});

describe('runDeadLettersCommand', () => {
  it('writes why it cannot reach the broker, without the password, and returns 1', async () => {
    const port = await closedPort();
    const config = loadConsumerConfig(['dead-letters', 'list', '--amqp-url', `amqp://ops:s3cret@127.0.0.1:${port}`], {
      exitOverride: true,
    });
    const written = { out: '', err: '' };
    const code = await runDeadLettersCommand(
      config,
      { action: 'list', sample: 3, json: false },
      {
        out: (text) => (written.out += text),
        err: (text) => (written.err += text),
      },
    );
    expect(code).toBe(1);
    expect(written.out).toBe('');
    expect(written.err).toContain(`cannot connect to RabbitMQ (amqp://ops:***@127.0.0.1:${port}`);
    expect(written.err).not.toContain('s3cret');
  });
});
