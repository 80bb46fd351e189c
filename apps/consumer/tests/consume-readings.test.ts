import type { DeadLetterPart, DeadLetterReason, Delivery } from '@sensors/messaging';
import type { RejectedReading } from '@sensors/persistence';
import { ENVELOPE_CONTENT_TYPE, parseSensorReading, type EnrichedSensorReading } from '@sensors/sensor-model';
import {
  MAX_MESSAGE_BYTES,
  consumeReadings,
  newConsumerStats,
  type ConsumeReadingsDeps,
  type BufferedReading,
} from '../src/consume-readings';

class FakeDelivery implements Delivery {
  acked = false;
  deadLettered: DeadLetterReason | undefined;
  readonly parts: { part: DeadLetterPart; reason: DeadLetterReason }[] = [];
  /** Resolves each part's dead letter: confirmed at once unless set to a pending promise. */
  partConfirmed: () => Promise<boolean> = async () => true;
  readonly redelivered = false;
  deliveryCount = 0;
  stale = false;
  readonly properties;

  constructor(
    body: unknown,
    contentType: string | undefined = 'application/json',
    readonly content = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    messageId = 'm1',
  ) {
    this.properties = { contentType, messageId, headers: {} } as Delivery['properties'];
  }

  ack(): void {
    this.acked = true;
  }

  async deadLetter(reason: DeadLetterReason): Promise<boolean> {
    this.deadLettered = reason;
    return true;
  }

  deadLetterPart(part: DeadLetterPart, reason: DeadLetterReason): Promise<boolean> {
    this.parts.push({ part, reason });
    return this.partConfirmed();
  }
}

function envelopeOf(readings: unknown[], messageId = 'env-1'): FakeDelivery {
  return new FakeDelivery(JSON.stringify({ readings }), ENVELOPE_CONTENT_TYPE, undefined, messageId);
}

function reading(id: string, temperature_f = 90) {
  return { id, type: 'Sensor', content: { temperature_f, time_of_measurement: '2019-06-24T15:00:00' } };
}

class DataError extends Error {}

function pipelineWith(
  saveReadings: (readings: EnrichedSensorReading[]) => Promise<number>,
  deps: Partial<ConsumeReadingsDeps> = {},
) {
  const queued: BufferedReading[] = [];
  const stats = newConsumerStats();
  const pipeline = consumeReadings(
    {
      saveReadings: async (readings) => {
        const stored = await saveReadings(readings);
        return { stored, duplicates: readings.length - stored, rejected: [] };
      },
      isDataError: (err) => err instanceof DataError,
      enqueue: (p) => queued.push(p),
      ...deps,
    },
    stats,
  );
  return { pipeline, queued, stats };
}

async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

describe('consumeReadings', () => {
  it('dead-letters a message whose handling throws as consumer-error, and reads the next one', async () => {
    const errors: unknown[] = [];
    const { pipeline, queued } = pipelineWith(async () => 0, {
      onRead: (count) => {
        if (count === 1 && queued.length === 0) throw new RangeError('Maximum call stack size exceeded');
      },
      onMessageError: (_id, err) => errors.push(err),
    });
    const poison = new FakeDelivery('{not json');
    pipeline.onMessage(poison);
    pipeline.onMessage(new FakeDelivery(reading('b')));
    await settle();
    expect(poison.deadLettered).toMatchObject({
      code: 'consumer-error',
      message: 'RangeError: Maximum call stack size exceeded',
    });
    expect(errors).toHaveLength(1);
    expect(queued).toHaveLength(1);
  });

  it('dead-letters a deeply nested value without overflowing the stack', async () => {
    const { pipeline, queued } = pipelineWith(async () => 0);
    const deep = new FakeDelivery(
      `{"id":"deep-1","type":"Sensor","content":{"temperature_f":${'['.repeat(10_000)}${']'.repeat(10_000)},"time_of_measurement":"2019-06-24T15:00:00"}}`,
    );
    expect(() => pipeline.onMessage(deep)).not.toThrow();
    await settle();
    expect(queued).toEqual([]);
    expect(deep.deadLettered?.code).toMatch(/^(invalid-reading|consumer-error)$/);
  });

  it('dead-letters a message redelivered past the limit unread, as repeated-crash', async () => {
    const { pipeline, queued } = pipelineWith(async () => 0, { maxRedeliveries: 2 });
    const crashing = new FakeDelivery(reading('a'));
    crashing.deliveryCount = 3;
    const recovering = new FakeDelivery(reading('b'));
    recovering.deliveryCount = 2;
    pipeline.onMessage(crashing);
    pipeline.onMessage(recovering);
    await settle();
    expect(crashing.deadLettered).toMatchObject({ code: 'repeated-crash' });
    expect(queued.map((p) => p.reading.id)).toEqual(['b']);
  });

  it('dead-letters a message larger than it reads without parsing it', async () => {
    const { pipeline, queued } = pipelineWith(async () => 0);
    const huge = new FakeDelivery(undefined, 'application/json', Buffer.alloc(MAX_MESSAGE_BYTES + 1, 'x'));
    pipeline.onMessage(huge);
    await settle();
    expect(queued).toEqual([]);
    expect(huge.deadLettered).toMatchObject({ code: 'message-too-large' });
  });

  it('tells of a dead letter only once it is confirmed', async () => {
    const told: string[] = [];
    const { pipeline } = pipelineWith(async () => 0, { onDeadLetter: (_id, code) => told.push(code) });
    const bad = new FakeDelivery('{not json');
    bad.deadLetter = async () => false;
    pipeline.onMessage(bad);
    await settle();
    expect(told).toEqual([]);
  });

  it('acks a committed batch even when reporting it throws', async () => {
    const reported: unknown[] = [];
    const { pipeline, queued, stats } = pipelineWith(async () => 1, {
      onBatchStored: () => {
        throw new Error('Value is not a valid number: NaN');
      },
      onAfterCommitError: (err) => reported.push(err),
    });
    const delivery = new FakeDelivery(reading('a'));
    pipeline.onMessage(delivery);
    await pipeline.writeBatch(queued);
    expect(delivery.acked).toBe(true);
    expect(stats.stored).toBe(1);
    expect(reported).toHaveLength(1);
  });

  it('queues a valid reading enriched with temperature_c', () => {
    const { pipeline, queued } = pipelineWith(async () => 0);
    pipeline.onMessage(new FakeDelivery(reading('a')));
    expect(queued.map((p) => p.reading)).toEqual([
      { ...reading('a'), content: { ...reading('a').content, temperature_c: 32.22222222222222 } },
    ]);
  });

  it('stores each reading with the instant validation read from its time', async () => {
    const saved: unknown[][] = [];
    const { pipeline, queued } = pipelineWith(async () => 0, {
      saveReadings: async (readings, times) => {
        saved.push(times);
        return { stored: readings.length, duplicates: 0, rejected: [] };
      },
    });
    pipeline.onMessage(new FakeDelivery(reading('a')));
    pipeline.onMessage(
      new FakeDelivery({
        ...reading('b'),
        content: { temperature_f: 1, time_of_measurement: '2019-06-24T17:00:00.5+02' },
      }),
    );
    await pipeline.writeBatch(queued);
    expect(saved).toEqual([
      [
        { measuredAt: '2019-06-24T15:00:00Z', epochMs: Date.UTC(2019, 5, 24, 15) },
        { measuredAt: '2019-06-24T15:00:00.5Z', epochMs: Date.UTC(2019, 5, 24, 15, 0, 0, 500) },
      ],
    ]);
  });

  it.each([
    [
      'an invalid reading with the fields at fault',
      new FakeDelivery({ ...reading('a'), type: 'Thermostat' }),
      { code: 'invalid-reading', message: expect.stringContaining('type must be "Sensor"'), fields: ['type'] },
    ],
    [
      'a body that is not JSON',
      new FakeDelivery('{not json'),
      { code: 'invalid-reading', message: expect.stringContaining('is not valid JSON') },
    ],
    [
      'a message whose headers claim another content type',
      new FakeDelivery(reading('a'), 'application/xml'),
      { code: 'unsupported-content-type', message: expect.stringContaining('application/xml') },
    ],
  ])('dead-letters %s, never queueing it', async (_, bad, reason) => {
    const { pipeline, queued, stats } = pipelineWith(async () => 0);
    pipeline.onMessage(bad);
    await settle();
    expect(queued).toEqual([]);
    expect(bad.deadLettered).toMatchObject(reason);
    expect(stats.deadLetteredByReason).toEqual({ [reason.code]: 1 });
  });

  it('accepts a message without a content type', () => {
    const { pipeline, queued } = pipelineWith(async () => 0);
    pipeline.onMessage(new FakeDelivery(reading('a'), undefined));
    expect(queued).toHaveLength(1);
  });

  it('acks a batch only after it is saved, counting duplicates', async () => {
    let release: (stored: number) => void = () => undefined;
    const { pipeline, queued, stats } = pipelineWith(() => new Promise((resolve) => (release = resolve)));
    const deliveries = ['a', 'b', 'c'].map((id) => new FakeDelivery(reading(id)));
    deliveries.forEach((d) => pipeline.onMessage(d));
    const writing = pipeline.writeBatch(queued);
    await settle();
    expect(deliveries.some((d) => d.acked)).toBe(false);
    release(2);
    await writing;
    expect(deliveries.every((d) => d.acked)).toBe(true);
    expect(stats).toMatchObject({ stored: 2, duplicates: 1, batches: 1 });
  });

  it('leaves a batch unacked when the database is unreachable, for the batcher to retry', async () => {
    const { pipeline, queued } = pipelineWith(async () => {
      throw new Error('connection terminated');
    });
    const delivery = new FakeDelivery(reading('a'));
    pipeline.onMessage(delivery);
    await expect(pipeline.writeBatch(queued)).rejects.toThrow('connection terminated');
    expect(delivery.acked).toBe(false);
    expect(delivery.deadLettered).toBeUndefined();
  });

  it('dead-letters only the reading the database refuses and stores the rest', async () => {
    const { pipeline, queued, stats } = pipelineWith(async (readings) => {
      if (readings.some((r) => r.id === 'poison')) throw new DataError('date/time field value out of range');
      return readings.length;
    });
    const deliveries = ['a', 'poison', 'b'].map((id) => new FakeDelivery(reading(id)));
    deliveries.forEach((d) => pipeline.onMessage(d));
    await pipeline.writeBatch(queued);
    expect(deliveries.map((d) => d.acked)).toEqual([true, false, true]);
    expect(deliveries[1].deadLettered).toEqual({
      code: 'database-rejected',
      message: 'date/time field value out of range',
      fields: undefined,
    });
    expect(stats).toMatchObject({ stored: 2, deadLettered: 1 });
  });

  it('dead-letters each reading the write refused and acks the rest, whatever order the refusals come in', async () => {
    const { pipeline, queued, stats } = pipelineWith(async () => 0, {
      saveReadings: async () => ({
        stored: 2,
        duplicates: 0,
        rejected: [
          { index: 3, code: 'expired', message: 'too old' },
          { index: 1, code: 'conflicting-reading', message: 'stored with other content' },
        ],
      }),
    });
    const deliveries = ['a', 'b', 'c', 'd'].map((id) => new FakeDelivery(reading(id)));
    deliveries.forEach((d) => pipeline.onMessage(d));
    await pipeline.writeBatch(queued);
    expect(deliveries.map((d) => d.deadLettered?.code ?? (d.acked ? 'acked' : 'open'))).toEqual([
      'acked',
      'conflicting-reading',
      'acked',
      'expired',
    ]);
    expect(stats).toMatchObject({ stored: 2, deadLettered: 2 });
  });

  it('finds the reading the database refuses in a few writes, halving the batch', async () => {
    let writes = 0;
    const { pipeline, queued, stats } = pipelineWith(async (readings) => {
      writes++;
      if (readings.some((r) => r.id === 'r-617')) throw new DataError('value out of range');
      return readings.length;
    });
    const deliveries = Array.from({ length: 1000 }, (_, i) => new FakeDelivery(reading(`r-${i}`)));
    deliveries.forEach((d) => pipeline.onMessage(d));
    await pipeline.writeBatch(queued);
    expect(deliveries.filter((d) => !d.acked).map((d) => d.deadLettered?.code)).toEqual(['database-rejected']);
    expect(stats).toMatchObject({ stored: 999, deadLettered: 1 });
    expect(writes).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(1000)));
  });
});

describe('consumeReadings with envelopes', () => {
  it('queues each reading of an envelope and acks it once every reading is stored', async () => {
    const { pipeline, queued, stats } = pipelineWith(async (readings) => readings.length);
    const envelope = envelopeOf([reading('a'), reading('b'), reading('c')]);
    pipeline.onMessage(envelope);
    expect(queued.map((p) => p.reading.id)).toEqual(['a', 'b', 'c']);
    expect(stats).toMatchObject({ consumed: 3, envelopes: 1 });
    await pipeline.writeBatch(queued.slice(0, 2));
    await settle();
    expect(envelope.acked).toBe(false);
    await pipeline.writeBatch(queued.slice(2));
    await settle();
    expect(envelope.acked).toBe(true);
  });

  it('dead-letters a bad reading on its own, stores the good ones, and acks after both', async () => {
    const { pipeline, queued, stats } = pipelineWith(async (readings) => readings.length);
    const envelope = envelopeOf([reading('a'), reading('b', '90' as unknown as number), reading('c')]);
    let confirmPart: (confirmed: boolean) => void = () => undefined;
    envelope.partConfirmed = () => new Promise((resolve) => (confirmPart = resolve));
    pipeline.onMessage(envelope);
    expect(queued.map((p) => p.reading.id)).toEqual(['a', 'c']);
    expect(envelope.parts).toEqual([
      {
        part: {
          content: Buffer.from(JSON.stringify(reading('b', '90' as unknown as number))),
          messageId: 'env-1#1',
          headers: { 'x-sensors-envelope-id': 'env-1', 'x-sensors-envelope-index': 1 },
        },
        reason: {
          code: 'invalid-reading',
          message: expect.stringMatching(/^reading 1 of envelope env-1: Invalid sensor reading: content.temperature_f/),
          fields: ['content.temperature_f'],
        },
      },
    ]);
    await pipeline.writeBatch(queued);
    await settle();
    expect(envelope.acked).toBe(false);
    confirmPart(true);
    await settle();
    expect(envelope.acked).toBe(true);
    expect(envelope.deadLettered).toBeUndefined();
    expect(stats).toMatchObject({ stored: 2, deadLettered: 1, deadLetteredByReason: { 'invalid-reading': 1 } });
  });

  it('never acks an envelope whose bad reading could not be dead-lettered', async () => {
    const { pipeline, queued } = pipelineWith(async (readings) => readings.length);
    const envelope = envelopeOf([reading('a'), { id: 'b' }]);
    envelope.partConfirmed = async () => false;
    pipeline.onMessage(envelope);
    await pipeline.writeBatch(queued);
    await settle();
    expect(envelope.acked).toBe(false);
  });

  it('acks an envelope of only bad readings once their dead letters are confirmed', async () => {
    const { pipeline, queued } = pipelineWith(async () => 0);
    const envelope = envelopeOf([{ id: 'x' }, 42]);
    pipeline.onMessage(envelope);
    await settle();
    expect(queued).toEqual([]);
    expect(envelope.parts.map((p) => p.part.messageId)).toEqual(['env-1#0', 'env-1#1']);
    expect(envelope.acked).toBe(true);
  });

  it('leaves an envelope unacked when its batch fails, for the batcher to retry', async () => {
    const { pipeline, queued } = pipelineWith(async () => {
      throw new Error('connection terminated');
    });
    const envelope = envelopeOf([reading('a')]);
    pipeline.onMessage(envelope);
    await expect(pipeline.writeBatch(queued)).rejects.toThrow('connection terminated');
    expect(envelope.acked).toBe(false);
  });

  it('dead-letters an envelope that cannot be read, whole', async () => {
    const { pipeline, queued, stats } = pipelineWith(async () => 0);
    for (const body of ['{"readings": [', '[]', '{"readings": {}}', '{"readings": []}']) {
      const envelope = new FakeDelivery(body, ENVELOPE_CONTENT_TYPE);
      pipeline.onMessage(envelope);
      await settle();
      expect(envelope.deadLettered).toMatchObject({
        code: 'invalid-envelope',
        message: expect.stringMatching(/^Invalid envelope: /),
      });
    }
    expect(queued).toEqual([]);
    expect(stats.deadLetteredByReason).toEqual({ 'invalid-envelope': 4 });
  });

  it('dead-letters an envelope of an unknown version as an unsupported content type', async () => {
    const { pipeline } = pipelineWith(async () => 0);
    const envelope = new FakeDelivery({ readings: [reading('a')] }, 'application/vnd.sensors.envelope+json; version=2');
    pipeline.onMessage(envelope);
    await settle();
    expect(envelope.deadLettered).toMatchObject({ code: 'unsupported-content-type' });
  });

  it('dead-letters a reading of an envelope that the database refuses on its own', async () => {
    const { pipeline, queued, stats } = pipelineWith(async (readings) => {
      if (readings.some((r) => r.id === 'poison')) throw new DataError('date/time field value out of range');
      return readings.length;
    });
    const envelope = envelopeOf([reading('a'), reading('poison')]);
    pipeline.onMessage(envelope);
    await pipeline.writeBatch(queued);
    await settle();
    expect(envelope.parts.map((p) => [p.part.messageId, p.reason.code])).toEqual([['env-1#1', 'database-rejected']]);
    expect(JSON.parse(envelope.parts[0].part.content.toString())).toMatchObject({ id: 'poison' });
    expect(envelope.acked).toBe(true);
    expect(stats).toMatchObject({ stored: 1, deadLettered: 1 });
  });

  it('dead-letters a deeply nested reading of an envelope alone and stores the good ones', async () => {
    const { pipeline, queued, stats } = pipelineWith(async (readings) => readings.length);
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const envelope = new FakeDelivery(
      `{"readings":[${JSON.stringify(reading('good'))},${deep}]}`,
      ENVELOPE_CONTENT_TYPE,
      undefined,
      'env-deep',
    );
    pipeline.onMessage(envelope);
    await pipeline.writeBatch(queued);
    await settle();
    expect(queued.map((p) => p.reading.id)).toEqual(['good']);
    expect(envelope.deadLettered).toBeUndefined();
    expect(envelope.parts).toHaveLength(1);
    expect(envelope.parts[0].part.content.toString()).toBe(deep);
    expect(envelope.parts[0].reason).toMatchObject({
      code: 'invalid-reading',
      message: expect.stringMatching(/^reading 1 of envelope env-deep: .*\(reading\) must be a JSON object/),
    });
    expect(envelope.acked).toBe(true);
    expect(stats).toMatchObject({ stored: 1, deadLettered: 1, deadLetteredByReason: { 'invalid-reading': 1 } });
  });

  it('dead-letters each bad reading of an envelope once, a deeply nested one among them', async () => {
    const { pipeline, queued, stats } = pipelineWith(async (readings) => readings.length);
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const envelope = new FakeDelivery(
      `{"readings":[{"id":"bad"},${JSON.stringify(reading('good'))},${deep}]}`,
      ENVELOPE_CONTENT_TYPE,
    );
    pipeline.onMessage(envelope);
    await pipeline.writeBatch(queued);
    await settle();
    expect(envelope.deadLettered).toBeUndefined();
    expect(envelope.parts.map((p) => [p.part.messageId, p.reason.code])).toEqual([
      ['m1#0', 'invalid-reading'],
      ['m1#2', 'invalid-reading'],
    ]);
    expect(queued.map((p) => p.reading.id)).toEqual(['good']);
    expect(envelope.acked).toBe(true);
    expect(stats).toMatchObject({ stored: 1, deadLettered: 2 });
  });

  /** Sends `body`, an envelope of two readings, through a write that refuses its second with `code`. */
  async function refuseSecondOf(body: string, code: RejectedReading['code']): Promise<FakeDelivery> {
    const { pipeline, queued } = pipelineWith(async () => 0, {
      saveReadings: async () => ({ stored: 1, duplicates: 0, rejected: [{ index: 1, code, message: 'refused' }] }),
    });
    const envelope = new FakeDelivery(body, ENVELOPE_CONTENT_TYPE);
    pipeline.onMessage(envelope);
    await pipeline.writeBatch(queued);
    await settle();
    return envelope;
  }

  it('dead-letters a reading of an envelope refused at storage as the envelope carries it, so that a replay validates', async () => {
    const sent = {
      id: 'conflicting',
      type: 'Sensor',
      content: { humidity_pct: 41, temperature_f: 90, time_of_measurement: '2019-06-24T15:00:00' },
    };
    const envelope = await refuseSecondOf(
      `{"readings":[${JSON.stringify(reading('a'))}, ${JSON.stringify(sent)}]}`,
      'conflicting-reading',
    );
    expect(envelope.parts.map((p) => [p.part.messageId, p.reason.code])).toEqual([['m1#1', 'conflicting-reading']]);
    const deadLetter = envelope.parts[0].part.content;
    expect(deadLetter.toString()).toBe(JSON.stringify(sent));
    expect(parseSensorReading(deadLetter)).toEqual({ ...reading('conflicting'), extra: { humidity_pct: 41 } });
    expect(envelope.acked).toBe(true);
  });

  it('dead-letters a refused reading of an envelope that starts with a byte order mark, and acks the envelope', async () => {
    const envelope = await refuseSecondOf(
      `\uFEFF{"readings":[${JSON.stringify(reading('a'))},${JSON.stringify(reading('old'))}]}`,
      'expired',
    );
    expect(envelope.parts.map((p) => [p.part.content.toString(), p.reason.code])).toEqual([
      [JSON.stringify(reading('old')), 'expired'],
    ]);
    expect(envelope.acked).toBe(true);
  });

  it('takes single readings and envelopes from the same queue', async () => {
    const { pipeline, queued } = pipelineWith(async (readings) => readings.length);
    const single = new FakeDelivery(reading('a'));
    const envelope = envelopeOf([reading('b'), reading('c')]);
    pipeline.onMessage(single);
    pipeline.onMessage(envelope);
    await pipeline.writeBatch(queued);
    await settle();
    expect(queued.map((p) => p.reading.id)).toEqual(['a', 'b', 'c']);
    expect([single.acked, envelope.acked]).toEqual([true, true]);
  });
});

describe('consumeReadings read-ahead', () => {
  function boundedPipeline(room: number) {
    const queued: BufferedReading[] = [];
    const stats = newConsumerStats();
    const pipeline = consumeReadings(
      {
        saveReadings: async (readings) => ({ stored: readings.length, duplicates: 0, rejected: [] }),
        isDataError: () => false,
        enqueue: (p) => queued.push(p),
        hasRoom: () => queued.length < room,
      },
      stats,
    );
    return { pipeline, queued, stats };
  }

  it('holds messages unread while the batches have no room, and reads them in order as room appears', () => {
    const { pipeline, queued, stats } = boundedPipeline(2);
    pipeline.onMessage(envelopeOf([reading('a'), reading('b')], 'env-1'));
    pipeline.onMessage(new FakeDelivery(reading('c')));
    pipeline.onMessage(envelopeOf([reading('d')], 'env-2'));
    expect(queued.map((p) => p.reading.id)).toEqual(['a', 'b']);
    expect([pipeline.bufferedMessages, stats.consumed]).toEqual([2, 2]);

    queued.length = 0;
    pipeline.resume();
    expect(queued.map((p) => p.reading.id)).toEqual(['c', 'd']);
    expect(pipeline.bufferedMessages).toBe(0);
  });

  it('keeps the order: a new message waits behind held ones even when there is room', () => {
    const { pipeline, queued } = boundedPipeline(1);
    pipeline.onMessage(new FakeDelivery(reading('a')));
    pipeline.onMessage(new FakeDelivery(reading('b')));
    queued.length = 0;
    pipeline.onMessage(new FakeDelivery(reading('c')));
    expect(queued).toEqual([]);
    pipeline.resume();
    expect(queued.map((p) => p.reading.id)).toEqual(['b']);
  });

  it('tells how many readings each message held', () => {
    const counts: number[] = [];
    const pipeline = consumeReadings(
      {
        saveReadings: async (readings) => ({ stored: readings.length, duplicates: 0, rejected: [] }),
        isDataError: () => false,
        enqueue: () => undefined,
        onRead: (readings) => counts.push(readings),
      },
      newConsumerStats(),
    );
    pipeline.onMessage(new FakeDelivery(reading('a')));
    pipeline.onMessage(envelopeOf([reading('b'), { id: 'bad' }, reading('c')]));
    pipeline.onMessage(new FakeDelivery('not json'));
    pipeline.onMessage(new FakeDelivery('{"readings":"no"}', ENVELOPE_CONTENT_TYPE));
    expect(counts).toEqual([1, 3, 1, 1]);
  });

  it('drops a held message whose channel closed meanwhile: the broker delivers it again', () => {
    const { pipeline, queued, stats } = boundedPipeline(1);
    const stale = new FakeDelivery(reading('b'));
    pipeline.onMessage(new FakeDelivery(reading('a')));
    pipeline.onMessage(stale);
    pipeline.onMessage(new FakeDelivery(reading('c')));
    stale.stale = true;
    pipeline.readAll();
    expect(queued.map((p) => p.reading.id)).toEqual(['a', 'c']);
    expect([stale.acked, stats.consumed]).toEqual([false, 2]);
  });

  it('reads every held message at shutdown, room or not', () => {
    const { pipeline, queued } = boundedPipeline(1);
    ['a', 'b', 'c'].forEach((id) => pipeline.onMessage(new FakeDelivery(reading(id))));
    pipeline.readAll();
    expect(queued.map((p) => p.reading.id)).toEqual(['a', 'b', 'c']);
    expect(pipeline.bufferedMessages).toBe(0);
  });
});
