import { enrichReadingInPlace, type CelsiusReading } from '@sensors/enrichment';
import type { OutgoingMessage } from '@sensors/messaging';
import { parseSensorReading, type SensorReading, type UnknownFields } from '@sensors/sensor-model';
import type { ReadingIdentities } from './reading-identities';

export interface ToReadingMessageOptions {
  /** Keep (default) or refuse the fields of `content` the model does not know. */
  unknownFields?: UnknownFields;
  /** The readings seen before, to refuse one that conflicts with them; `label` names this one in a conflict. */
  identities?: { seen: ReadingIdentities; label: string };
}

/**
 * A validated, enriched reading ready to publish, not yet serialized (an envelope serializes it
 * with the others), with the fields of `content` the model does not know kept in `content` as sent.
 */
export type ReadingToSend = Omit<CelsiusReading<SensorReading>, 'extra'>;

/**
 * Validates and enriches one reading (a parsed value, or JSON text as a string or bytes) into
 * the reading to publish, with the fields of `content` the model does not know kept in
 * `content` as sent. Throws `InvalidSensorReadingError` listing the problems.
 */
export function toReadingValue(
  input: unknown,
  options: Pick<ToReadingMessageOptions, 'unknownFields'> = {},
): ReadingToSend {
  const enriched = enrichReadingInPlace(parseSensorReading(input, options));
  // Without unknown fields (the usual case) the enriched reading is sent as it is: no copy.
  if (!enriched.extra) return enriched;
  const { extra, ...known } = enriched;
  known.content = Object.assign({}, extra, known.content);
  return known;
}

/**
 * Validates and enriches one reading (a parsed value, or JSON text as a string or bytes) into
 * the message to publish: the enriched reading as JSON, with its id as the message id, and the
 * fields of `content` the model does not know kept in `content` as sent. Throws
 * `InvalidSensorReadingError` listing the problems, `ConflictingReadingError` for a reading
 * that conflicts with one seen before.
 */
export function toReadingMessage(input: unknown, options: ToReadingMessageOptions = {}): OutgoingMessage {
  const reading = toReadingValue(input, options);
  // A string: an envelope joins it with others before the one conversion to bytes.
  const body = JSON.stringify(reading);
  options.identities?.seen.check(reading.id, reading.content.time_of_measurement, body, options.identities.label);
  return { id: reading.id, body };
}
