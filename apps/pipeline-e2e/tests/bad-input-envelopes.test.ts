import { randomBytes } from 'node:crypto';
import { DEAD_LETTER_HEADERS, ENVELOPE_CONTENT_TYPE } from '@sensors/sensor-model';
import { consumeAll, createPipelineWithBroker, type PipelineWithBroker, type RawMessage } from './test-broker';

/** A dead letter the battery expects: by message id, with its reason and payload. */
interface ExpectedDeadLetter {
  messageId: string;
  reason: string;
  errorIncludes: string;
  /** The payload, byte for byte; for a reading of an envelope, its JSON. */
  body: Buffer;
  /** For a reading of an envelope: the envelope's id and the reading's index. */
  envelope?: { id: string; index: number };
}

const run = randomBytes(4).toString('hex');
const MiB = 1024 * 1024;
let setup: PipelineWithBroker;

function reading(id: string, temperatureF: unknown = 70) {
  return { id, type: 'Sensor', content: { temperature_f: temperatureF, time_of_measurement: '2019-06-24T15:00:00' } };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const envelopeBody = (readings: unknown[]) => json({ readings });
const envelope = (messageId: string, body: Buffer): RawMessage => ({
  messageId: `${run}:${messageId}`,
  body,
  properties: { contentType: ENVELOPE_CONTENT_TYPE },
});
const single = (id: string): RawMessage => ({ messageId: `${run}:${id}`, body: json(reading(`${run}-${id}`)) });

const badReading = reading(`${run}-bad`, '90');
const mixed = envelopeBody([reading(`${run}-m0`), badReading, reading(`${run}-m2`)]);
const allBad = envelopeBody([{ id: `${run}-no-type` }, 42]);
const tooMany = envelopeBody(Array.from({ length: 1001 }, (_, i) => reading(`${run}-many-${i}`)));
const tooLarge = envelopeBody([reading(`${run}-large`, 70), { padding: 'p'.repeat(MiB) }]);
const good = envelopeBody(Array.from({ length: 50 }, (_, i) => reading(`${run}-e${i}`)));

const messages: RawMessage[] = [
  single('s0'),
  envelope('mixed', mixed),
  single('s1'),
  envelope('good', good),
  envelope('not-an-array', json({ readings: reading(`${run}-obj`) })),
  envelope('bare-array', json([reading(`${run}-bare`)])),
  single('s2'),
  envelope('empty', envelopeBody([])),
  envelope('not-json', Buffer.from('{"readings": [')),
  envelope('too-many', tooMany),
  envelope('too-large', tooLarge),
  envelope('all-bad', allBad),
  {
    ...envelope('version-2', envelopeBody([reading(`${run}-v2`)])),
    properties: { contentType: 'application/vnd.sensors.envelope+json; version=2' },
  },
  // The same envelope again, as a redelivery or a producer's retry would bring it: stored once.
  envelope('good-again', good),
  single('s3'),
];

const storedIds = [
  ...['s0', 's1', 's2', 's3'].map((id) => `${run}-${id}`),
  `${run}-m0`,
  `${run}-m2`,
  ...Array.from({ length: 50 }, (_, i) => `${run}-e${i}`),
];

const whole = (name: string, reason: string, errorIncludes: string): ExpectedDeadLetter => {
  const sent = messages.find((m) => m.messageId === `${run}:${name}`);
  if (!sent) throw new Error(`no message ${name}`);
  return { messageId: sent.messageId, reason, errorIncludes, body: sent.body };
};
const part = (name: string, index: number, value: unknown, errorIncludes: string): ExpectedDeadLetter => ({
  messageId: `${run}:${name}#${index}`,
  reason: 'invalid-reading',
  errorIncludes,
  body: json(value),
  envelope: { id: `${run}:${name}`, index },
});

const expectedDeadLetters: ExpectedDeadLetter[] = [
  part('mixed', 1, badReading, 'content.temperature_f must be a finite number'),
  whole('not-an-array', 'invalid-envelope', '"readings" must be an array, not a object'),
  whole('bare-array', 'invalid-envelope', 'must be a JSON object with a "readings" array, not an array'),
  whole('empty', 'invalid-envelope', '"readings" is empty'),
  whole('not-json', 'invalid-envelope', 'is not valid JSON'),
  whole('too-many', 'invalid-envelope', 'holds 1001 readings, more than the 1000 allowed'),
  whole('too-large', 'invalid-envelope', 'more than the 1048576 allowed'),
  part('all-bad', 0, { id: `${run}-no-type` }, 'type is missing'),
  part('all-bad', 1, 42, '(reading) must be a JSON object'),
  whole('version-2', 'unsupported-content-type', 'application/vnd.sensors.envelope+json; version=1'),
];

beforeAll(async () => (setup = await createPipelineWithBroker()));
afterAll(() => setup.close());

describe('the consumer under bad envelopes', () => {
  it('stores the good readings of envelopes and single messages, and dead-letters the bad ones alone', async () => {
    const { pipeline, broker } = setup;
    const consumer = await consumeAll(setup, messages, {
      stored: storedIds.length,
      deadLettered: expectedDeadLetters.length,
    });
    expect(await consumer.stop()).toBe(0);
    expect(consumer.logs.filter((l) => Number(l['level']) >= 50)).toEqual([]);
    expect(consumer.logs.find((l) => l['msg'] === 'consumer stopped')).toMatchObject({
      stored: storedIds.length,
      duplicates: 50,
      deadLettered: expectedDeadLetters.length,
      envelopes: 10, // the version-2 one is not an envelope this consumer reads
    });

    const rows = await pipeline.db.query<{ id: string }>('SELECT id FROM sensor_readings');
    expect(rows.map((r) => r.id).sort()).toEqual([...storedIds].sort());

    const held = await broker.peek(broker.topology.deadLetterQueue);
    expect(held.map((m) => String(m.properties.messageId)).sort()).toEqual(
      expectedDeadLetters.map((d) => d.messageId).sort(),
    );
    for (const message of held) {
      const expected = expectedDeadLetters.find((d) => d.messageId === message.properties.messageId);
      if (!expected) throw new Error(`unexpected dead letter ${message.properties.messageId}`);
      const headers = message.properties.headers ?? {};
      expect({ id: expected.messageId, reason: headers[DEAD_LETTER_HEADERS.code] }).toEqual({
        id: expected.messageId,
        reason: expected.reason,
      });
      expect(`${expected.messageId}: ${String(headers[DEAD_LETTER_HEADERS.message])}`).toContain(
        expected.errorIncludes,
      );
      expect({ id: expected.messageId, sameBytes: message.content.equals(expected.body) }).toEqual({
        id: expected.messageId,
        sameBytes: true,
      });
      if (expected.envelope) {
        expect(message.properties.contentType).toBe('application/json');
        expect(headers[DEAD_LETTER_HEADERS.envelope]).toBe(expected.envelope.id);
        expect(headers[DEAD_LETTER_HEADERS.index]).toBe(expected.envelope.index);
      }
    }
  });
});
