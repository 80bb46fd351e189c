// The hand-written reference publisher: confirms in a sliding window of 2,000 (refilled from
// half empty), persistent
// messages, no validation. Usage: node raw-publisher.mjs --count N [--rate R] [--seed S]
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

const WINDOW = 2000;

const { count, rate, seed } = readPublisherArgs();
const connection = await amqp.connect(config.amqpUrl);
const channel = await connection.createConfirmChannel();
await declareTopology(channel);

let inFlight = 0;
let nacked = 0;
let roomFreed = () => undefined;
const onConfirm = (err) => {
  inFlight--;
  if (err) nacked++;
  // Woken at half the window, not at each confirm: a publish per confirm makes tiny socket
  // writes and a wake-up per reading (the anchors' tuned pipeline does the same).
  if (inFlight <= WINDOW / 2) roomFreed();
};

for await (const reading of generateSensorReadings({ count, rate, seed })) {
  while (inFlight >= WINDOW) await new Promise((resolve) => (roomFreed = resolve));
  inFlight++;
  const properties = { persistent: true, messageId: reading.id, contentType: 'application/json' };
  if (!channel.publish(config.exchange, ROUTING_KEY, toMessageBody(reading), properties, onConfirm)) {
    await once(channel, 'drain');
  }
}
await channel.waitForConfirms().catch(() => undefined); // nacks are counted above
await connection.close();
if (nacked > 0) {
  console.error(`${nacked} readings were nacked by the broker`);
  process.exitCode = 1;
}
