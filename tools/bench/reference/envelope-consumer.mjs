// The hand-written envelope consumer: each message a JSON array of readings; prefetch 100
// envelopes; a write once 5,000 readings wait or the oldest has waited 50 ms, one write in
// flight, each one `INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING`, then one
// `multiple` ack. No validation, no retry: a failure ends the process.
import amqp from 'amqplib';
import pg from 'pg';
import { config, declareTopology } from './reference-config.mjs';

const PREFETCH = 100;
const BATCH_READINGS = 5000;
const FLUSH_INTERVAL_MS = 50;
const INSERT_READINGS = `
  INSERT INTO sensor_readings (id, sensor_type, temperature_f, temperature_c, measured_at)
  SELECT * FROM unnest($1::varchar[], $2::text[], $3::float8[], $4::float8[], $5::timestamptz[])
  ON CONFLICT (id, measured_at) DO NOTHING`;

const db = new pg.Client({ connectionString: config.databaseUrl, application_name: 'bench-envelope-consumer' });
await db.connect();
const connection = await amqp.connect(config.amqpUrl);
const channel = await connection.createChannel();
await declareTopology(channel);
await channel.prefetch(PREFETCH);

let columns = newColumns();
let last; // the last message whose readings are in `columns`
let oldest = 0;
let writing;
let timer;

function newColumns() {
  return { ids: [], types: [], fahrenheit: [], celsius: [], measuredAt: [] };
}

function schedule() {
  clearTimeout(timer);
  timer = undefined;
  if (writing || last === undefined) return;
  const age = Date.now() - oldest;
  if (columns.ids.length >= BATCH_READINGS || age >= FLUSH_INTERVAL_MS) {
    writing = write().then(() => {
      writing = undefined;
      schedule();
    });
  } else {
    timer = setTimeout(schedule, FLUSH_INTERVAL_MS - age);
  }
}

async function write() {
  const { ids, types, fahrenheit, celsius, measuredAt } = columns;
  const message = last;
  columns = newColumns();
  last = undefined;
  await db.query(INSERT_READINGS, [ids, types, fahrenheit, celsius, measuredAt]);
  channel.ack(message, true);
}

const { consumerTag } = await channel.consume(config.queue, (message) => {
  if (message === null) throw new Error('the broker cancelled the subscription');
  if (last === undefined) oldest = Date.now();
  for (const reading of JSON.parse(message.content)) {
    columns.ids.push(reading.id);
    columns.types.push(reading.type);
    columns.fahrenheit.push(reading.content.temperature_f);
    columns.celsius.push(reading.content.temperature_c);
    columns.measuredAt.push(`${reading.content.time_of_measurement}Z`);
  }
  last = message;
  if (!writing && (timer === undefined || columns.ids.length >= BATCH_READINGS)) schedule();
});

process.once('SIGTERM', async () => {
  await channel.cancel(consumerTag);
  while (writing || last !== undefined) {
    clearTimeout(timer);
    await (writing ?? write());
  }
  await connection.close();
  await db.end();
});
