// The hand-written reference publisher: one reading per message, confirms in a sliding window
// of 2,000 (refilled from half empty), persistent messages, no validation.
// Usage: node raw-publisher.js --count N [--rate R] [--seed S]
import { generateSensorReadings } from '@sensors/sensor-generator';
import { openPublisher, withCelsius } from './reference-pipeline';

async function main(): Promise<void> {
  const publisher = await openPublisher({ confirmWindow: 2000 });
  for await (const reading of generateSensorReadings(publisher.plan)) {
    const body = Buffer.from(JSON.stringify(withCelsius(reading)));
    await publisher.send(body, { messageId: reading.id, contentType: 'application/json' });
  }
  await publisher.close();
}

void main();
