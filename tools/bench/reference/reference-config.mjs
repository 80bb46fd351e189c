// What the reference pipelines share with each other and with the product: the same topology
// names and environment variables, and the same readings (the product's own generator, built
// into dist/libs/sensor-generator, or the copy SENSOR_GENERATOR names, with `temperature_c`
// added as the product publisher does).
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
/** @type {typeof import('../../../libs/sensor-generator/src/index')} */
const sensorGenerator = require(process.env.SENSOR_GENERATOR ?? '../../../dist/libs/sensor-generator/src/index.js');

export const { createSensorSimulator, generateSensorReadings } = sensorGenerator;

export const config = {
  amqpUrl: process.env.SENSORS_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  databaseUrl: process.env.SENSORS_DATABASE_URL,
  exchange: process.env.SENSORS_EXCHANGE ?? 'sensors-bench',
  queue: process.env.SENSORS_QUEUE ?? 'sensor-readings-bench',
  queueType: process.env.SENSORS_QUEUE_TYPE ?? 'classic',
};

export const ROUTING_KEY = 'sensor.reading';

/** `--count`, `--rate` and `--seed`, as the product publisher takes them. */
export function readPublisherArgs() {
  const { values } = parseArgs({
    options: { count: { type: 'string' }, rate: { type: 'string', default: '0' }, seed: { type: 'string' } },
  });
  return { count: Number(values.count), rate: Number(values.rate), seed: values.seed };
}

/** A durable direct exchange and a durable queue of the configured type, bound; idempotent. */
export async function declareTopology(channel) {
  await channel.assertExchange(config.exchange, 'direct', { durable: true });
  await channel.assertQueue(config.queue, { durable: true, arguments: { 'x-queue-type': config.queueType } });
  await channel.bindQueue(config.queue, config.exchange, ROUTING_KEY);
}

/** The message body the product publisher would send for this reading. */
export function toMessageBody(reading) {
  reading.content.temperature_c = ((reading.content.temperature_f - 32) * 5) / 9;
  return Buffer.from(JSON.stringify(reading));
}
