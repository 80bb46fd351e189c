// The hand-written envelope publisher: K = 100 readings per message, each message one
// `JSON.stringify` of the array; a plain loop over the generator (no async iteration per
// reading), confirms in a sliding window of 20 envelopes (2,000 readings), persistent messages,
// no validation. Usage: node envelope-publisher.mjs --count N [--rate R] [--seed S]
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import amqp from 'amqplib';
import { config, createSensorSimulator, declareTopology, readPublisherArgs, ROUTING_KEY } from './reference-config.mjs';

const K = 100;
const WINDOW = 20;

const { count, rate, seed } = readPublisherArgs();
const connection = await amqp.connect(config.amqpUrl);
const channel = await connection.createConfirmChannel();
await declareTopology(channel);
const simulator = createSensorSimulator({ seed });

let inFlight = 0;
let nacked = 0;
let roomFreed = () => undefined;
const onConfirm = (err) => {
  inFlight--;
  if (err) nacked++;
  if (inFlight <= WINDOW / 2) roomFreed();
};

const start = Date.now();
for (let sent = 0; sent < count; ) {
  // Paced: an envelope holds what is due by now (at least one reading), as a linger would.
  const due = rate > 0 ? Math.min(count, Math.floor(((Date.now() - start) * rate) / 1000) + 1) : count;
  if (due <= sent) {
    await delay(Math.max(1, 1000 / rate));
    continue;
  }
  const size = Math.min(K, due - sent);
  const envelope = new Array(size);
  for (let i = 0; i < size; i++) {
    const reading = simulator.next();
    reading.content.temperature_c = ((reading.content.temperature_f - 32) * 5) / 9;
    envelope[i] = reading;
  }
  sent += size;
  while (inFlight >= WINDOW) await new Promise((resolve) => (roomFreed = resolve));
  inFlight++;
  const properties = { persistent: true, messageId: envelope[0].id, contentType: 'application/json' };
  if (!channel.publish(config.exchange, ROUTING_KEY, Buffer.from(JSON.stringify(envelope)), properties, onConfirm)) {
    await once(channel, 'drain');
  }
}
await channel.waitForConfirms().catch(() => undefined); // nacks are counted above
await connection.close();
if (nacked > 0) {
  console.error(`${nacked} envelopes were nacked by the broker`);
  process.exitCode = 1;
}
