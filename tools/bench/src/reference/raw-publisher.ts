// The hand-written reference publisher: one reading per message, confirms in a sliding window
// of 2,000 (refilled from half empty), persistent messages, no validation.
// Usage: node raw-publisher.js --count N [--rate R] [--seed S]
import { generateSensorReadings } from '@sensors/sensor-generator';
import {
  ConfirmWindow,
  finishPublishing,
  openChannel,
  publish,
  readPublisherArgs,
  withCelsius,
} from './reference-pipeline';

const WINDOW = 2000;

async function main(): Promise<void> {
  const { count, rate, seed } = readPublisherArgs();
  const { connection, channel } = await openChannel((c) => c.createConfirmChannel());
  const window = new ConfirmWindow(WINDOW);
  for await (const reading of generateSensorReadings({ count, rate, seed })) {
    await window.take();
    const properties = { persistent: true, messageId: reading.id, contentType: 'application/json' };
    await publish(channel, Buffer.from(JSON.stringify(withCelsius(reading))), properties, window.settle);
  }
  await finishPublishing(connection, channel, window, 'readings');
}

void main();
