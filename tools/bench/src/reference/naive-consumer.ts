// The tutorial consumer: prefetch 1, TypeORM `repository.save()` per message (a SELECT then
// an INSERT, in a transaction), then an ack per message.
import type { SensorReading } from '@sensors/sensor-model';
import { DataSource, EntitySchema } from 'typeorm';
import { config, consumeUntilSigterm, openChannel } from './reference-pipeline';

interface ReadingRow {
  id: string;
  sensorType: string;
  temperatureF: number;
  temperatureC: number;
  measuredAt: Date;
}

const SensorReadingRow = new EntitySchema<ReadingRow>({
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

async function main(): Promise<void> {
  const dataSource = new DataSource({
    type: 'postgres',
    url: config.databaseUrl,
    entities: [SensorReadingRow],
    extra: { application_name: 'bench-naive-consumer' },
  });
  await dataSource.initialize();
  const readings = dataSource.getRepository(SensorReadingRow);
  const broker = await openChannel((c) => c.createChannel());
  await broker.channel.prefetch(1);
  let saving = Promise.resolve();
  await consumeUntilSigterm(
    broker,
    (message) => {
      saving = (async () => {
        const reading = JSON.parse(message.content.toString()) as SensorReading;
        await readings.save({
          id: reading.id,
          sensorType: reading.type,
          temperatureF: reading.content.temperature_f,
          temperatureC: ((reading.content.temperature_f - 32) * 5) / 9,
          measuredAt: new Date(`${reading.content.time_of_measurement}Z`),
        });
        broker.channel.ack(message);
      })();
    },
    () => saving,
    () => dataSource.destroy(),
  );
}

void main();
