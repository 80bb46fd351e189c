import { randomBytes } from 'node:crypto';
import type { Options } from 'amqplib';
import { DEAD_LETTER_HEADERS } from '@sensors/sensor-model';
import type { Topology } from '@sensors/messaging';
import { countQueueMessages, startApp, waitFor, type AppProcess } from '@sensors/testing';
import type { Pipeline } from './pipeline-fixture';
import {
  consumeAll,
  createPipelineWithBroker,
  type PipelineWithBroker,
  type RawMessage,
  type TestBroker,
} from './test-broker';

/** A message of the battery and what must become of it. */
interface Case {
  name: string;
  body: Buffer;
  properties?: Options.Publish;
  /** Stored under this id, or dead-lettered with this reason and an error naming these. */
  outcome: { stored: string } | { reason: string; errorIncludes: string[]; fields?: string };
}

interface StoredRow {
  id: string;
  hex: string;
  temperature_f: number;
  measured_at: Date;
}

const run = randomBytes(4).toString('hex');
const MiB = 1024 * 1024;
let pipeline: Pipeline;
let topology: Topology;
let broker: TestBroker;

function reading(id: string, temperatureF: unknown = 70, time: unknown = '2019-06-24T15:00:00', extra = {}) {
  return { id, type: 'Sensor', content: { temperature_f: temperatureF, time_of_measurement: time }, ...extra };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

function good(name: string, id: string, body = json(reading(id)), properties?: Options.Publish): Case {
  return { name, body, properties, outcome: { stored: id } };
}

function bad(name: string, body: Buffer | string, reason: string, errorIncludes: string[], fields?: string): Case {
  return { name, body: Buffer.from(body), outcome: { reason, errorIncludes, fields } };
}

const oddIds = {
  sql: `'); DROP TABLE sensor_readings; -- ${run}`,
  quotes: `it's "quoted" \`back\` \\slash\\ ${run}`,
  unicode: `température-Ωμέγα-日本語-${run}`,
  emoji: `🌡️🔥👩‍🔬-${run}`,
  composed: `café-${run}`,
  decomposed: `cafe\u0301-${run}`,
  whitespace: `line\nbreak\ttab  ${run}`,
  wildcards: `100%_done_${run}`,
  longest: `${run}-`.padEnd(128, 'x'),
  longestEmoji: `${run}`.padEnd(128 - 2 * 56, '-') + '🔥'.repeat(56),
};
const twice = `${run}-twice`;

const battery: Case[] = [
  bad(
    'invalid JSON',
    `{"id":"${run}-broken","type":`,
    'invalid-reading',
    ['(reading)', 'is not valid JSON'],
    '(reading)',
  ),
  bad('empty body', '', 'invalid-reading', ['(reading)', 'is not valid JSON'], '(reading)'),
  bad('JSON array', JSON.stringify([reading(`${run}-in-array`)]), 'invalid-reading', ['must be a JSON object']),
  bad('null', 'null', 'invalid-reading', ['(reading) must be a JSON object', 'got null']),
  bad('missing id', JSON.stringify({ type: 'Sensor', content: reading('x').content }), 'invalid-reading', [
    'id is missing',
  ]),
  bad('missing content', JSON.stringify({ id: `${run}-no-content`, type: 'Sensor' }), 'invalid-reading', [
    'content is missing',
  ]),
  bad('Thermostat', JSON.stringify({ ...reading(`${run}-thermostat`), type: 'Thermostat' }), 'invalid-reading', [
    'type must be "Sensor"',
    '"Thermostat"',
  ]),
  bad(
    'temperature as a string',
    JSON.stringify(reading(`${run}-string-temp`, '90')),
    'invalid-reading',
    ['content.temperature_f', '"90"'],
    'content.temperature_f',
  ),
  bad(
    'NaN',
    `{"id":"${run}-nan","type":"Sensor","content":{"temperature_f":NaN,"time_of_measurement":"2019-06-24T15:00:00"}}`,
    'invalid-reading',
    ['is not valid JSON', 'NaN'],
  ),
  bad(
    'Infinity',
    `{"id":"${run}-inf","type":"Sensor","content":{"temperature_f":1e999,"time_of_measurement":"2019-06-24T15:00:00"}}`,
    'invalid-reading',
    ['content.temperature_f must be a finite number', 'Infinity'],
  ),
  bad(
    '-500',
    JSON.stringify(reading(`${run}-cold`, -500)),
    'invalid-reading',
    ['content.temperature_f must not lie below absolute zero', '-500'],
    'content.temperature_f',
  ),
  bad(
    'yesterday',
    JSON.stringify(reading(`${run}-yesterday`, 70, 'yesterday')),
    'invalid-reading',
    ['content.time_of_measurement', '"yesterday"'],
    'content.time_of_measurement',
  ),
  bad('30 February', JSON.stringify(reading(`${run}-feb30`, 70, '2019-02-30T10:00:00')), 'invalid-reading', [
    'content.time_of_measurement has day 30 in a month of 28 days',
    '"2019-02-30T10:00:00"',
  ]),
  bad(
    '1 MiB body',
    JSON.stringify(reading(`${run}-huge-temp`, '9'.repeat(MiB))),
    'invalid-reading',
    // The length shown is that of the JSON text of the value, quotes included.
    ['content.temperature_f', `(${MiB + 2} characters)`],
    'content.temperature_f',
  ),
  bad(
    'id of 10,000 characters',
    JSON.stringify(reading('i'.repeat(10_000))),
    'invalid-reading',
    ['id must be at most 128 characters', '(10002 characters)'],
    'id',
  ),
  bad('empty id', JSON.stringify(reading('')), 'invalid-reading', ['id must not be empty'], 'id'),
  bad('NUL in the id', JSON.stringify(reading(`${run}\u0000nul`)), 'invalid-reading', ['id must not contain a NUL']),
  // Fields of content the model does not know go to a jsonb column: what it would refuse or change is refused here.
  bad(
    'NUL in a field of content',
    `{"id":"${run}-nul-extra","type":"Sensor","content":{"temperature_f":70,"time_of_measurement":"2019-06-24T15:00:00","note":"a\\u0000b"}}`,
    'invalid-reading',
    ['content.note must not contain a NUL character', '"a\\u0000b"'],
    'content.note',
  ),
  bad(
    'lone surrogate in a name within a field of content',
    `{"id":"${run}-surrogate-extra","type":"Sensor","content":{"temperature_f":70,"time_of_measurement":"2019-06-24T15:00:00","a":[{"\\udc00":1}]}}`,
    'invalid-reading',
    ['content.a[0] has a field name that must be well-formed Unicode', '"\\udc00"'],
    'content.a[0]',
  ),
  bad(
    '1e999 in a field of content',
    `{"id":"${run}-inf-extra","type":"Sensor","content":{"temperature_f":70,"time_of_measurement":"2019-06-24T15:00:00","x":1e999}}`,
    'invalid-reading',
    ['content.x must be a finite number', 'Infinity'],
    'content.x',
  ),
  bad('not UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 'invalid-reading', ['is not valid UTF-8']),
  {
    name: 'labelled application/xml',
    body: json(reading(`${run}-xml`)),
    properties: { contentType: 'application/xml' },
    outcome: { reason: 'unsupported-content-type', errorIncludes: ['"application/xml"', 'application/json'] },
  },
];

const goodOnes: Case[] = [
  ...Object.entries(oddIds).map(([name, id]) => good(`odd id: ${name}`, id)),
  good('twice, first', twice, json(reading(twice, 50, '2019-06-24T10:00:00'))),
  good('twice, second', twice, json(reading(twice, 60, '2019-06-24T11:00:00'))),
  // About 1 MiB, nearly all of it a field of content the model does not know: kept in extra.
  good(
    '1 MiB reading with an unknown field',
    `${run}-padded`,
    json({ ...reading(`${run}-padded`), content: { ...reading(`${run}-padded`).content, padding: 'p'.repeat(MiB) } }),
  ),
  good('no content type', `${run}-unlabelled`, json(reading(`${run}-unlabelled`)), { contentType: undefined }),
  good('JSON with a charset', `${run}-charset`, json(reading(`${run}-charset`)), {
    contentType: 'application/json; charset=utf-8',
  }),
];

/** Each round: a plain good reading, then an odd good one, then a bad one, while they last. */
const messages: Case[] = Array.from({ length: Math.max(battery.length, goodOnes.length) }, (_, i) => [
  good(`plain ${i}`, `${run}-good-${i}`),
  ...(goodOnes[i] ? [goodOnes[i]] : []),
  ...(battery[i] ? [battery[i]] : []),
]).flat();

// A reading is identified by (id, time_of_measurement): both readings of `twice` are stored.
const storedIds = messages.flatMap((m) => ('stored' in m.outcome ? [m.outcome.stored] : []));
const deadLetters = messages.filter((m) => 'reason' in m.outcome);
const messageId = (c: Case) => `${run}:${c.name}`;

/** The cases as messages published straight to the consumer's exchange, bypassing the publisher and its validation. */
const asRawMessages = (cases: Case[]): RawMessage[] =>
  cases.map((c) => ({ body: c.body, messageId: messageId(c), properties: c.properties }));

/** Checks that the dead-letter queue holds each bad message exactly once, intact, with its reason. */
async function expectEachDeadLetterOnce(): Promise<void> {
  const held = await broker.peek(topology.deadLetterQueue);
  expect(held.map((m) => String(m.properties.messageId)).sort()).toEqual(deadLetters.map(messageId).sort());
  for (const message of held) {
    const sent = deadLetters.find((c) => messageId(c) === message.properties.messageId);
    if (!sent || !('reason' in sent.outcome)) throw new Error(`unexpected dead letter ${message.properties.messageId}`);
    const headers = message.properties.headers ?? {};
    const error = String(headers[DEAD_LETTER_HEADERS.message]);
    expect({ name: sent.name, sameBytes: message.content.equals(sent.body) }).toEqual({
      name: sent.name,
      sameBytes: true,
    });
    expect({ name: sent.name, reason: headers[DEAD_LETTER_HEADERS.code] }).toEqual({
      name: sent.name,
      reason: sent.outcome.reason,
    });
    for (const part of sent.outcome.errorIncludes) expect(`${sent.name}: ${error}`).toContain(part);
    expect(error.length).toBeLessThanOrEqual(2000);
    if (sent.outcome.fields) expect(headers[DEAD_LETTER_HEADERS.fields]).toBe(sent.outcome.fields);
    expect(headers[DEAD_LETTER_HEADERS.queue]).toBe(topology.queue);
  }
}

async function rows(): Promise<StoredRow[]> {
  return pipeline.db.query<StoredRow>(
    `SELECT id, encode(convert_to(id, 'UTF8'), 'hex') AS hex, temperature_f, measured_at FROM sensor_readings`,
  );
}

/** Every column of every row, to show that a replay changed nothing. */
async function snapshot(): Promise<unknown[]> {
  return pipeline.db.query('SELECT * FROM sensor_readings ORDER BY id COLLATE "C"');
}

function stoppedLine(app: AppProcess): Record<string, unknown> | undefined {
  return app.logs.find((l) => l['msg'] === 'consumer stopped');
}

/** Runs `consumer dead-letters …` as a process; resolves to its exit code and output lines. */
async function deadLettersCommand(
  args: string[],
): Promise<{ code: number | string; lines: Record<string, unknown>[] }> {
  const app = startApp('consumer', ['dead-letters', ...args], pipeline.env);
  const code = await app.exited;
  return { code, lines: app.logs };
}

let setup: PipelineWithBroker;
beforeAll(async () => {
  setup = await createPipelineWithBroker();
  ({ pipeline, broker } = setup);
  topology = broker.topology;
});
afterAll(() => setup.close());

describe('the consumer under bad input', () => {
  it('stores every good reading, dead-letters every bad one once with its reason, and keeps going', async () => {
    const consumer = await consumeAll(setup, asRawMessages(messages), {
      stored: storedIds.length,
      deadLettered: deadLetters.length,
    });

    const after = good('after the battery', `${run}-after`);
    await broker.publish(asRawMessages([after]));
    await waitFor(
      'the reading published after the battery',
      async () => (await pipeline.storedCount()) > storedIds.length,
    );
    expect(consumer.child.exitCode).toBeNull();
    expect(await consumer.stop()).toBe(0);
    expect(consumer.logs.filter((l) => Number(l['level']) >= 50)).toEqual([]);
    expect(stoppedLine(consumer)).toMatchObject({
      consumed: messages.length + 1,
      stored: storedIds.length + 1,
      duplicates: 0,
      deadLettered: deadLetters.length,
    });
    expect(await countQueueMessages(topology.queue)).toBe(0);

    const [{ table }] = await pipeline.db.query<{ table: string | null }>(
      "SELECT to_regclass('public.sensor_readings')::text AS table",
    );
    expect(table).toBe('sensor_readings');
    expect(await pipeline.storedCount()).toBe(storedIds.length + 1);
    const stored = await rows();
    expect(stored.map((r) => r.id).sort()).toEqual([...storedIds, `${run}-after`].sort());
    const byId = new Map(stored.map((r) => [r.id, r]));
    for (const id of Object.values(oddIds)) {
      expect(byId.get(id)?.hex).toBe(Buffer.from(id, 'utf8').toString('hex'));
    }
    expect(
      stored
        .filter((r) => r.id === twice)
        .map((r) => ({ temperature_f: r.temperature_f, measured_at: r.measured_at }))
        .sort((a, b) => a.temperature_f - b.temperature_f),
    ).toEqual([
      { temperature_f: 50, measured_at: new Date('2019-06-24T10:00:00Z') },
      { temperature_f: 60, measured_at: new Date('2019-06-24T11:00:00Z') },
    ]);

    await expectEachDeadLetterOnce();
  });

  it('lists the dead letters by reason and leaves them in place', async () => {
    const counts: Record<string, number> = {};
    for (const c of deadLetters)
      if ('reason' in c.outcome) counts[c.outcome.reason] = (counts[c.outcome.reason] ?? 0) + 1;

    const listed = await deadLettersCommand(['list', '--json', '--sample', '2']);
    expect(listed.code).toBe(0);
    expect(listed.lines).toHaveLength(1);
    expect(listed.lines[0]).toMatchObject({
      queue: topology.deadLetterQueue,
      total: deadLetters.length,
      byReason: counts,
    });
    const samples = listed.lines[0]['samples'] as { reason: string; payload: string; bytes: number }[];
    expect(samples.filter((s) => s.reason === 'invalid-reading')).toHaveLength(2);
    expect(samples.every((s) => s.payload.length <= 200)).toBe(true);

    const table = await deadLettersCommand(['list']);
    expect(table.code).toBe(0);
    const raw = table.lines.map((l) => String(l['raw']));
    expect(raw).toContain(`${topology.deadLetterQueue}: ${deadLetters.length} dead letters`);
    expect(raw).toContainEqual(
      expect.stringMatching(new RegExp(`^ {2}invalid-reading +${counts['invalid-reading']}$`)),
    );
    expect(raw).toContainEqual(expect.stringMatching(/^ {2}unsupported-content-type +1$/));

    await expectEachDeadLetterOnce();
  });

  it('replays a reading already stored without changing the table', async () => {
    const before = await snapshot();
    // As if Postgres had refused it once and a redelivery stored it later: the dead letter is stale.
    const stale = json(reading(oddIds.sql));
    const channel = await broker.connection.createConfirmChannel();
    channel.sendToQueue(topology.deadLetterQueue, stale, {
      persistent: true,
      messageId: 'stale',
      contentType: 'application/json',
      headers: {
        [DEAD_LETTER_HEADERS.code]: 'database-rejected',
        [DEAD_LETTER_HEADERS.message]: 'the database was refusing writes',
        [DEAD_LETTER_HEADERS.queue]: topology.queue,
      },
    });
    await channel.waitForConfirms();
    await channel.close();

    const replay = await deadLettersCommand(['replay', '--reason', 'database-rejected', '--json']);
    expect(replay.code).toBe(0);
    expect(replay.lines[0]).toMatchObject({ replayed: 1, kept: deadLetters.length });
    expect(await countQueueMessages(topology.queue)).toBe(1);

    const consumer = await pipeline.startConsumer();
    await waitFor('the replayed reading to be taken', async () => (await countQueueMessages(topology.queue)) === 0);
    expect(await consumer.stop()).toBe(0);
    expect(stoppedLine(consumer)).toMatchObject({ consumed: 1, stored: 0, duplicates: 1, deadLettered: 0 });
    expect(await countQueueMessages(topology.queue)).toBe(0);
    expect(await snapshot()).toEqual(before);
    await expectEachDeadLetterOnce();
  });

  it('puts every replayed bad message back into the dead-letter queue once, intact', async () => {
    const before = await snapshot();
    const replay = await deadLettersCommand(['replay', '--json']);
    expect(replay.code).toBe(0);
    expect(replay.lines[0]).toMatchObject({ replayed: deadLetters.length, kept: 0 });
    expect(await countQueueMessages(topology.deadLetterQueue)).toBe(0);

    const consumer = await pipeline.startConsumer();
    await waitFor(
      'the bad messages dead-lettered again',
      async () => (await countQueueMessages(topology.deadLetterQueue)) === deadLetters.length,
    );
    expect(await consumer.stop()).toBe(0);
    expect(stoppedLine(consumer)).toMatchObject({
      consumed: deadLetters.length,
      stored: 0,
      duplicates: 0,
      deadLettered: deadLetters.length,
    });
    expect(await countQueueMessages(topology.queue)).toBe(0);
    expect(await snapshot()).toEqual(before);
    await expectEachDeadLetterOnce();
  });
});
