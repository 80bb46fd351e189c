import type { EnrichedSensorReading } from '@sensors/sensor-model';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { Client } from 'pg';
import { BatchWriter } from '../src/reference/reference-pipeline';

function reading(id: string): EnrichedSensorReading {
  return {
    id,
    type: 'Sensor',
    content: { temperature_f: 50, temperature_c: 10, time_of_measurement: '2026-12-01T10:00:00' },
  };
}

function setUp(batchReadings: number) {
  const written: string[][] = [];
  const acks: [string, boolean | undefined][] = [];
  const db = {
    query: (_sql: string, [ids]: [string[]]) => {
      written.push(ids);
      return Promise.resolve();
    },
  } as unknown as Client;
  const channel = {
    ack: (message: ConsumeMessage, allUpTo?: boolean) => acks.push([message.content.toString(), allUpTo]),
  } as unknown as Channel;
  const message = (name: string) => ({ content: Buffer.from(name) }) as ConsumeMessage;
  return { writer: new BatchWriter(db, channel, batchReadings, 60_000), written, acks, message };
}

describe('BatchWriter', () => {
  it('writes a full batch at once and acks its last message with `multiple`', async () => {
    const { writer, written, acks, message } = setUp(2);
    writer.add(message('m1'), [reading('a')]);
    writer.add(message('m2'), [reading('b')]);
    await Promise.resolve();
    expect(written).toEqual([['a', 'b']]);
    await writer.drain();
    expect(acks).toEqual([['m2', true]]);
  });

  it('starts a new batch once one is full, and drains what waits', async () => {
    const { writer, written, acks, message } = setUp(2);
    for (const id of ['a', 'b', 'c']) writer.add(message(id), [reading(id)]);
    await writer.drain();
    expect(written).toEqual([['a', 'b'], ['c']]);
    expect(acks).toEqual([
      ['b', true],
      ['c', true],
    ]);
  });

  it("keeps a message's readings in one batch", async () => {
    const { writer, written, message } = setUp(3);
    writer.add(message('e1'), [reading('a'), reading('b')]);
    writer.add(message('e2'), [reading('c'), reading('d')]);
    writer.add(message('e3'), [reading('e')]);
    await writer.drain();
    expect(written).toEqual([['a', 'b', 'c', 'd'], ['e']]);
  });

  it('writes a batch that is not full once the oldest reading has waited the flush interval', async () => {
    const written: string[][] = [];
    const db = {
      query: (_sql: string, [ids]: [string[]]) => Promise.resolve(void written.push(ids)),
    } as unknown as Client;
    const channel = { ack: () => undefined } as unknown as Channel;
    const writer = new BatchWriter(db, channel, 100, 20);
    writer.add({ content: Buffer.from('m') } as ConsumeMessage, [reading('a')]);
    expect(written).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(written).toEqual([['a']]);
  });
});
