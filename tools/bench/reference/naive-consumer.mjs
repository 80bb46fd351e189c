// The tutorial consumer: prefetch 1, TypeORM `repository.save()` per message (a SELECT then
// an INSERT, in a transaction), then an ack per message.
import amqp from 'amqplib';
import { DataSource, EntitySchema } from 'typeorm';
import { config, declareTopology } from './reference-config.mjs';

const SensorReading = new EntitySchema({
  name: 'SensorReading',
  tableName: 'sensor_readings',
  columns: {
    id: { type: 'varchar', length: 128, primary: true },
    sensorType: { name: 'sensor_type', type: 'text' },
    temperatureF: { name: 'temperature_f', type: 'double precision' },
    temperatureC: { name: 'temperature_c', type: 'double precision' },
    measuredAt: { name: 'measured_at', type: 'timestamptz' },
  },
});

const dataSource = new DataSource({
  type: 'postgres',
  url: config.databaseUrl,
  entities: [SensorReading],
  extra: { application_name: 'bench-naive-consumer' },
});
await dataSource.initialize();
const readings = dataSource.getRepository(SensorReading);

const connection = await amqp.connect(config.amqpUrl);
const channel = await connection.createChannel();
await declareTopology(channel);
await channel.prefetch(1);

let saving = Promise.resolve();
const { consumerTag } = await channel.consume(config.queue, (message) => {
  if (message === null) throw new Error('the broker cancelled the subscription');
  saving = (async () => {
    const reading = JSON.parse(message.content.toString());
    await readings.save({
      id: reading.id,
      sensorType: reading.type,
      temperatureF: reading.content.temperature_f,
      temperatureC: ((reading.content.temperature_f - 32) * 5) / 9,
      measuredAt: new Date(`${reading.content.time_of_measurement}Z`),
    });
    channel.ack(message);
  })();
});

process.once('SIGTERM', async () => {
  await channel.cancel(consumerTag);
  await saving;
  await connection.close();
  await dataSource.destroy();
});
