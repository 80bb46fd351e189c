// The hand-written reference consumer: one reading per message, prefetch 2,000; batches of up
// to 1,000 readings or 50 ms, one write in flight, then one `multiple` ack. No validation, no
// retry: a failure ends the process.
import type { EnrichedSensorReading } from '@sensors/sensor-model';
import { runBatchConsumer } from './reference-pipeline';

void runBatchConsumer({
  applicationName: 'bench-raw-consumer',
  prefetch: 2000,
  batchReadings: 1000,
  flushIntervalMs: 50,
  readingsOf: (message) => [JSON.parse(message.content.toString()) as EnrichedSensorReading],
});
