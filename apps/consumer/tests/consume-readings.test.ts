import type { DeadLetterReason, Delivery } from '@sensors/messaging';
import type { EnrichedSensorReading } from '@sensors/sensor-model';
import { consumeReadings, newConsumerStats, type PendingReading } from '../src/consume-readings';

class FakeDelivery implements Delivery {
  acked = false;
  deadLettered: DeadLetterReason | undefined;
  readonly redelivered = false;
  readonly properties;

  constructor(
    body: unknown,
    contentType: string | undefined = 'application/json',
    readonly content = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  ) {
    this.properties = { contentType, headers: {} } as Delivery['properties'];
  }

  ack(): void {
    this.acked = true;
  }

  async deadLetter(reason: DeadLetterReason): Promise<boolean> {
    this.deadLettered = reason;
    return true;
  }
}

function reading(id: string, temperature_f = 90) {
  return { id, type: 'Sensor', content: { temperature_f, time_of_measurement: '2019-06-24T15:00:00' } };
}

class DataError extends Error {}

function pipelineWith(saveReadings: (readings: EnrichedSensorReading[]) => Promise<number>) {
  const queued: PendingReading[] = [];
  const stats = newConsumerStats();
  const pipeline = consumeReadings(
    { saveReadings, isDataError: (err) => err instanceof DataError, enqueue: (p) => queued.push(p) },
    stats,
  );
  return { pipeline, queued, stats };
}

async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

describe('consumeReadings', () => {
  it('queues a valid reading enriched with temperature_c', () => {
    const { pipeline, queued } = pipelineWith(async () => 0);
    pipeline.onMessage(new FakeDelivery(reading('a')));
    expect(queued.map((p) => p.reading)).toEqual([
      { ...reading('a'), content: { ...reading('a').content, temperature_c: 32.22222222222222 } },
    ]);
  });

  it('dead-letters an invalid reading with the fields at fault, never queueing it', async () => {
    const { pipeline, queued, stats } = pipelineWith(async () => 0);
    const bad = new FakeDelivery({ ...reading('a'), type: 'Thermostat' });
    pipeline.onMessage(bad);
    await settle();
    expect(queued).toEqual([]);
    expect(bad.deadLettered).toEqual({
      code: 'invalid-reading',
      message: expect.stringContaining('type must be "Sensor"'),
      fields: ['type'],
    });
    expect(stats.deadLettered).toBe(1);
    expect(stats.deadLetteredByReason).toEqual({ 'invalid-reading': 1 });
  });

  it('dead-letters a body that is not JSON', async () => {
    const { pipeline } = pipelineWith(async () => 0);
    const bad = new FakeDelivery('{not json');
    pipeline.onMessage(bad);
    await settle();
    expect(bad.deadLettered).toMatchObject({
      code: 'invalid-reading',
      message: expect.stringContaining('is not valid JSON'),
    });
  });

  it('dead-letters a message whose headers claim another content type', async () => {
    const { pipeline, queued } = pipelineWith(async () => 0);
    const xml = new FakeDelivery(reading('a'), 'application/xml');
    pipeline.onMessage(xml);
    await settle();
    expect(queued).toEqual([]);
    expect(xml.deadLettered).toMatchObject({
      code: 'unsupported-content-type',
      message: expect.stringContaining('application/xml'),
    });
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
});
