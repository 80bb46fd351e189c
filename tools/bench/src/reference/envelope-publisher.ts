// The hand-written envelope publisher: K = 100 readings per message, each message one
// `JSON.stringify` of the array; a plain loop over the generator (no async iteration per
// reading), confirms in a sliding window of 20 envelopes (2,000 readings), persistent messages,
// no validation. Usage: node envelope-publisher.js --count N [--rate R] [--seed S]
import { createSensorSimulator } from '@sensors/sensor-generator';
import type { EnrichedSensorReading } from '@sensors/sensor-model';
import { setTimeout as delay } from 'node:timers/promises';
import { openPublisher, withCelsius } from './reference-pipeline';

const K = 100;

async function main(): Promise<void> {
  const publisher = await openPublisher({ confirmWindow: 20 });
  const { count, rate, seed } = publisher.plan;
  const simulator = createSensorSimulator({ seed });
  const start = Date.now();
  for (let sent = 0; sent < count; ) {
    // Paced: an envelope holds what is due by now (at least one reading), as a linger would.
    const due = rate > 0 ? Math.min(count, Math.floor(((Date.now() - start) * rate) / 1000) + 1) : count;
    if (due <= sent) {
      await delay(Math.max(1, 1000 / rate));
      continue;
    }
    const envelope = new Array<EnrichedSensorReading>(Math.min(K, due - sent));
    for (let i = 0; i < envelope.length; i++) envelope[i] = withCelsius(simulator.next());
    sent += envelope.length;
    await publisher.send(Buffer.from(JSON.stringify(envelope)), {
      messageId: envelope[0].id,
      contentType: 'application/json',
    });
  }
  await publisher.close();
}

void main();
