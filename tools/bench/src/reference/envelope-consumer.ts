// The hand-written envelope consumer: each message a JSON array of readings; prefetch 100
// envelopes; a write once 5,000 readings wait or the oldest has waited 50 ms, one write in
// flight, then one `multiple` ack. No validation, no retry: a failure ends the process.
import type { EnrichedSensorReading } from '@sensors/sensor-model';
import { runBatchConsumer } from './reference-pipeline';

void runBatchConsumer({
  applicationName: 'bench-envelope-consumer',
  prefetch: 100,
  batchReadings: 5000,
  flushIntervalMs: 50,
  readingsOf: (message) => JSON.parse(message.content.toString()) as EnrichedSensorReading[],
});
