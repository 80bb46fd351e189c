// The tutorial publisher: a plain channel, no publisher confirms (waiting only when the socket
// is backed up). Usage: node naive-publisher.js --count N [--rate R] [--seed S]
import { generateSensorReadings } from '@sensors/sensor-generator';
import { openPublisher, withCelsius } from './reference-pipeline';

async function main(): Promise<void> {
  const publisher = await openPublisher();
  for await (const reading of generateSensorReadings(publisher.plan)) {
    await publisher.send(Buffer.from(JSON.stringify(withCelsius(reading))));
  }
  await publisher.close();
}

void main();
