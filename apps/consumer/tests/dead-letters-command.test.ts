import { connect } from 'amqplib';
import { topologyFor } from '@sensors/messaging';
import { DEAD_LETTER_CODES } from '@sensors/sensor-model';
import { freePort, testAmqpUrl, uniqueName } from '@sensors/testing';
import { loadConsumerConfig } from '../src/config';
import { runDeadLettersCommand } from '../src/dead-letters/dead-letters-command';
import {
  describePayload,
  formatDeadLetterReport,
  formatMigrationResult,
  formatReplayResult,
  reportToJson,
} from '../src/dead-letters/format-dead-letters';
import type { DeadLetterReport, DeadLetterSample } from '../src/dead-letters/list-dead-letters';

const topology = topologyFor({ exchange: 'sensors', routingKey: 'sensor.reading', queue: 'sensor-readings' });

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

/** A report with the distinct ids equal to the counts unless given. */
function report(fields: Partial<DeadLetterReport> & Pick<DeadLetterReport, 'total' | 'byReason'>): DeadLetterReport {
  return {
    distinctIds: fields.total,
    distinctIdsByReason: fields.byReason,
    samples: [],
    ...fields,
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
    expect(() => loadConsumerConfig(['dead-letters'], { exitOverride: true })).toThrow(/"list", "replay" or "migrate"/);
    expect(() => loadConsumerConfig(['dead-letters', 'purge'], { exitOverride: true })).toThrow(/not "purge"/);
  });

  it('refuses replay options on list and migrate', () => {
    expect(() => loadConsumerConfig(['dead-letters', 'list', '--reason', 'x'], { exitOverride: true })).toThrow(
      /--reason and --limit/,
    );
    expect(() => loadConsumerConfig(['dead-letters', 'migrate', '--limit', '3'], { exitOverride: true })).toThrow(
      /"migrate" takes neither/,
    );
  });

  it('reads migrate', () => {
    expect(loadConsumerConfig(['dead-letters', 'migrate', '--json'], { exitOverride: true }).deadLetters).toEqual({
      action: 'migrate',
      sample: 3,
      reason: undefined,
      limit: undefined,
      json: true,
    });
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
    expect(formatDeadLetterReport(report({ total: 0, byReason: {} }), topology, 3)).toBe(
      'sensor-readings.dead-letter is empty.\n',
    );
  });

  it('lists the reasons, most frequent first, with their counts', () => {
    const counts = { 'delivery-limit': 1, 'invalid-reading': 10, 'unsupported-content-type': 2 };
    const lines = formatDeadLetterReport(report({ total: 13, byReason: counts }), topology, 0).split('\n');
    expect(lines.slice(0, 7)).toEqual([
      'sensor-readings.dead-letter: 13 dead letters',
      '13 distinct message ids',
      '',
      '  reason                    count',
      '  invalid-reading              10',
      '  unsupported-content-type      2',
      '  delivery-limit                1',
    ]);
  });

  it('shows the distinct message ids beside the counts when a message is there more than once', () => {
    const copies = report({
      total: 13,
      distinctIds: 12,
      byReason: { 'delivery-limit': 1, 'invalid-reading': 12 },
      distinctIdsByReason: { 'delivery-limit': 1, 'invalid-reading': 11 },
    });
    const lines = formatDeadLetterReport(copies, topology, 0).split('\n');
    expect(lines.slice(0, 6)).toEqual([
      'sensor-readings.dead-letter: 13 dead letters',
      '12 distinct message ids: some messages are here more than once (dead-lettering is at-least-once); ' +
        'replay sends each once',
      '',
      '  reason           count  distinct ids',
      '  invalid-reading     12            11',
      '  delivery-limit       1             1',
    ]);
  });

  it('says when the queue was declared by an earlier version', () => {
    const text = formatDeadLetterReport(report({ total: 0, byReason: {} }), topology, 3, 'earlier');
    expect(text).toContain('declared by an earlier version');
    expect(text).toContain('consumer dead-letters migrate');
  });

  it('shows each sample with its error, fields and payload', () => {
    const one = report({ total: 1, byReason: { 'invalid-reading': 1 }, samples: [sample({})] });
    const text = formatDeadLetterReport(one, topology, 3);
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
    const hostile = report({
      total: 1,
      byReason: { 'invalid-reading': 1 },
      samples: [sample({ messageId: 'a\u001b[2Jb', payload: Buffer.from('x\u202ey\n') })],
    });
    const text = formatDeadLetterReport(hostile, topology, 3);
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

describe('reportToJson', () => {
  it('gives the counts, the distinct ids and the samples with cut payloads', () => {
    const json = reportToJson(
      report({ total: 2, distinctIds: 1, byReason: { 'invalid-reading': 2 }, samples: [sample({})] }),
      topology,
    );
    expect(json).toEqual({
      queue: 'sensor-readings.dead-letter',
      total: 2,
      distinctIds: 1,
      byReason: { 'invalid-reading': 2 },
      distinctIdsByReason: { 'invalid-reading': 2 },
      declaredByEarlierVersion: false,
      samples: [expect.objectContaining({ messageId: 'r-1', payload: '{"id":"r-1"}', bytes: 12, truncated: false })],
    });
  });
});

describe('formatReplayResult', () => {
  it('says how many were replayed, with which reason, and how many stayed', () => {
    expect(formatReplayResult({ replayed: 2, duplicates: 0, kept: 5 }, topology, 'database-rejected')).toBe(
      'Replayed 2 dead letters with reason database-rejected to exchange sensors (routing key sensor.reading); ' +
        '5 looked at and left in sensor-readings.dead-letter.\n',
    );
  });

  it('says how many further copies it removed', () => {
    expect(formatReplayResult({ replayed: 1, duplicates: 1, kept: 0 }, topology, undefined)).toBe(
      'Replayed 1 dead letter to exchange sensors (routing key sensor.reading); ' +
        '0 looked at and left in sensor-readings.dead-letter. ' +
        'Removed 1 further copy of messages replayed (same id and payload).\n',
    );
  });
});

describe('formatMigrationResult', () => {
  it('says what the migration did', () => {
    expect(formatMigrationResult({ outcome: 'migrated', moved: 3 }, topology)).toBe(
      'sensor-readings.dead-letter redeclared with x-delivery-limit 1000000000; 3 dead letters kept.\n',
    );
    expect(formatMigrationResult({ outcome: 'current', moved: 0 }, topology)).toContain('nothing to do');
    expect(formatMigrationResult({ outcome: 'created', moved: 0 }, topology)).toContain('did not exist');
  });
});

describe('runDeadLettersCommand', () => {
  it('refuses a reason no dead letter has, naming it and listing the known ones, before connecting', async () => {
    const refuse = async (reason: string) => {
      const config = loadConsumerConfig(['dead-letters', 'replay', '--reason', reason], { exitOverride: true });
      const written = { out: '', err: '' };
      const code = await runDeadLettersCommand(
        config,
        config.deadLetters as NonNullable<typeof config.deadLetters>,
        { out: (text) => (written.out += text), err: (text) => (written.err += text) },
        async () => {
          throw new Error('not connected: the reason was taken');
        },
      );
      return { code, config, err: written.err };
    };
    const refusal = await refuse('no-such-reason');
    expect(refusal).toMatchObject({
      code: 1,
      err: expect.stringMatching(/"no-such-reason".*invalid-reading.*repeated-crash.*maxlen.*unknown/),
    });
    for (const reason of [...Object.values(DEAD_LETTER_CODES), 'maxlen', 'rejected', 'unknown']) {
      const taken = await refuse(reason);
      expect(taken.config.deadLetters?.reason).toBe(reason);
      expect(taken.err).toContain('not connected: the reason was taken');
    }
  });

  it('writes why it cannot reach the broker, without the password, and returns 1', async () => {
    const port = await freePort();
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

  it('says when there is no such dead-letter queue, creates none, and returns 1', async () => {
    const queue = uniqueName('dl_cmd_none');
    const argv = ['dead-letters', 'list', '--amqp-url', testAmqpUrl, '--queue', queue];
    const config = loadConsumerConfig(argv, { exitOverride: true });
    const written = { out: '', err: '' };
    const output = { out: (text: string) => (written.out += text), err: (text: string) => (written.err += text) };
    expect(await runDeadLettersCommand(config, { action: 'list', sample: 3, json: false }, output)).toBe(1);
    expect(written.err).toContain(`there is no queue "${queue}.dead-letter"`);
    expect(await runDeadLettersCommand(config, { action: 'replay', sample: 3, json: false }, output)).toBe(1);
    expect(written.out).toBe('');
    const broker = await connect(testAmqpUrl);
    const channel = await broker.createChannel();
    channel.on('error', () => undefined);
    await expect(channel.checkQueue(`${queue}.dead-letter`)).rejects.toThrow(/NOT_FOUND/);
    await broker.close();
  });
});
