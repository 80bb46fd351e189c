// The tutorial publisher: a plain channel, no publisher confirms (waiting only when the socket
// is backed up). Usage: node naive-publisher.mjs --count N [--rate R] [--seed S]
import { once } from 'node:events';
import amqp from 'amqplib';
import {
  config,
  declareTopology,
  generateSensorReadings,
  readPublisherArgs,
  ROUTING_KEY,
  toMessageBody,
} from './reference-config.mjs';

const { count, rate, seed } = readPublisherArgs();
const connection = await amqp.connect(config.amqpUrl);
const channel = await connection.createChannel();
await declareTopology(channel);

for await (const reading of generateSensorReadings({ count, rate, seed })) {
  if (!channel.publish(config.exchange, ROUTING_KEY, toMessageBody(reading), { persistent: true })) {
    await once(channel, 'drain');
  }
}
// Closing the channel flushes what is buffered; without confirms nothing says it arrived.
await channel.close();
await connection.close();
