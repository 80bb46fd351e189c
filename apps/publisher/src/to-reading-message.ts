import { enrichReading } from '@sensors/enrichment';
import type { OutgoingMessage } from '@sensors/messaging';
import { parseSensorReading } from '@sensors/sensor-model';

/**
 * Validates and enriches one reading (a parsed value, or JSON text as a string or bytes) into
 * the message to publish: the enriched reading as JSON, with its id as the message id. Throws
 * `InvalidSensorReadingError` listing every problem.
 */
export function toReadingMessage(input: unknown): OutgoingMessage {
  const reading = enrichReading(parseSensorReading(input));
  // A string: an envelope joins it with others before the one conversion to bytes.
  return { id: reading.id, body: JSON.stringify(reading) };
}
