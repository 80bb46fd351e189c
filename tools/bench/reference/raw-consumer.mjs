// The hand-written reference consumer: prefetch 2,000; batches of up to 1,000 readings or
// 50 ms, one write in flight, each one `INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING`,
// then one `multiple` ack. No validation, no retry: a failure ends the process.
import amqp from 'amqplib';
import pg from 'pg';
import { config, declareTopology } from './reference-config.mjs';

const PREFETCH = 2000;
const BATCH_SIZE = 1000;
const FLUSH_INTERVAL_MS = 50;
const INSERT_READINGS = `
  INSERT INTO sensor_readings (id, sensor_type, temperature_f, temperature_c, measured_at)
  SELECT * FROM unnest($1::varchar[], $2::text[], $3::float8[], $4::float8[], $5::timestamptz[])
  ON CONFLICT (id, measured_at) DO NOTHING`;

const db = new pg.Client({ connectionString: config.databaseUrl, application_name: 'bench-raw-consumer' });
await db.connect();
const connection = await amqp.connect(config.amqpUrl);
const channel = await connection.createChannel();
await declareTopology(channel);
await channel.prefetch(PREFETCH);

const waiting = [];
let writing;
let timer;

function schedule() {
  clearTimeout(timer);
  timer = undefined;
  if (writing || waiting.length === 0) return;
  const age = Date.now() - waiting[0].at;
  if (waiting.length >= BATCH_SIZE || age >= FLUSH_INTERVAL_MS) {
    writing = write().then(() => {
      writing = undefined;
      schedule();
    });
  } else {
    timer = setTimeout(schedule, FLUSH_INTERVAL_MS - age);
  }
}

async function write() {
  const batch = waiting.splice(0, BATCH_SIZE).map((entry) => entry.message);
  const ids = [];
  const types = [];
  const fahrenheit = [];
  const celsius = [];
  const measuredAt = [];
  for (const message of batch) {
    const reading = JSON.parse(message.content);
    ids.push(reading.id);
    types.push(reading.type);
    fahrenheit.push(reading.content.temperature_f);
    celsius.push(reading.content.temperature_c);
    measuredAt.push(`${reading.content.time_of_measurement}Z`);
  }
  await db.query(INSERT_READINGS, [ids, types, fahrenheit, celsius, measuredAt]);
  channel.ack(batch.at(-1), true);
}

const { consumerTag } = await channel.consume(config.queue, (message) => {
  if (message === null) throw new Error('the broker cancelled the subscription');
  waiting.push({ message, at: Date.now() });
  if (!writing && (timer === undefined || waiting.length >= BATCH_SIZE)) schedule();
});

process.once('SIGTERM', async () => {
  await channel.cancel(consumerTag);
  while (writing || waiting.length > 0) {
    clearTimeout(timer);
    await (writing ?? write());
  }
  await connection.close();
  await db.end();
});
