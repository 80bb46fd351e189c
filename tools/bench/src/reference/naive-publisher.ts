// The tutorial publisher: a plain channel, no publisher confirms (waiting only when the socket
// is backed up). Usage: node naive-publisher.js --count N [--rate R] [--seed S]
import { generateSensorReadings } from '@sensors/sensor-generator';
import { openChannel, publish, readPublisherArgs, withCelsius } from './reference-pipeline';

async function main(): Promise<void> {
  const { count, rate, seed } = readPublisherArgs();
  const { connection, channel } = await openChannel((c) => c.createChannel());
  for await (const reading of generateSensorReadings({ count, rate, seed })) {
    await publish(channel, Buffer.from(JSON.stringify(withCelsius(reading))), { persistent: true });
  }
  // Closing the channel flushes what is buffered; without confirms nothing says it arrived.
  await channel.close();
  await connection.close();
}

void main();
