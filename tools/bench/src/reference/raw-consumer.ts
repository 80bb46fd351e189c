// The hand-written reference consumer: one reading per message, prefetch 2,000; batches of up
// to 1,000 readings or 50 ms, one write in flight, then one `multiple` ack. No validation, no
// retry: a failure ends the process.
import type { EnrichedSensorReading } from '@sensors/sensor-model';
import { BatchWriter, consumeUntilSigterm, openChannel } from './reference-pipeline';

const PREFETCH = 2000;
const BATCH_READINGS = 1000;
const FLUSH_INTERVAL_MS = 50;

async function main(): Promise<void> {
  const db = await BatchWriter.connectDatabase('bench-raw-consumer');
  const broker = await openChannel((c) => c.createChannel());
  await broker.channel.prefetch(PREFETCH);
  const writer = new BatchWriter(db, broker.channel, BATCH_READINGS, FLUSH_INTERVAL_MS);
  await consumeUntilSigterm(
    broker,
    (message) => writer.add(message, [JSON.parse(message.content.toString()) as EnrichedSensorReading]),
    () => writer.drain(),
    () => db.end(),
  );
}

void main();
