// Everything exported here is public API.
export {
  ABSOLUTE_ZERO_F,
  MAX_ID_LENGTH,
  MAX_TEMPERATURE_F,
  SENSOR_TYPE,
  type EnrichedSensorReading,
  type SensorReading,
  type SensorReadingContent,
} from './sensor-reading';
export { SensorReadingContentDto, SensorReadingDto } from './sensor-reading.dto';
export {
  parseSensorReading,
  parseTimedSensorReading,
  type ParseSensorReadingOptions,
  type TimedSensorReading,
  type UnknownFields,
} from './parse-sensor-reading';
export { unknownFieldsOf } from './unknown-fields-of';
export {
  ENVELOPE_CONTENT_TYPE,
  ENVELOPE_MEDIA_TYPE,
  ENVELOPE_VERSION,
  MAX_ENVELOPE_BYTES,
  MAX_ENVELOPE_READINGS,
  DEFAULT_ENVELOPE_READINGS,
  READING_CONTENT_TYPE,
  type MessageFormat,
} from './sensor-envelope';
export {
  envelopeItems,
  parseSensorEnvelope,
  type InvalidEnvelopeReading,
  type ParseSensorEnvelopeOptions,
  type ParsedEnvelope,
} from './parse-sensor-envelope';
export { envelopeBytes, formatSensorEnvelope } from './format-sensor-envelope';
export { readMessageFormat } from './read-message-format';
export {
  isMeasurementTimeProblem,
  parseMeasurementTime,
  type MeasurementTime,
  type MeasurementTimeProblem,
} from './measurement-time';
export { MEASUREMENT_TIME_EXAMPLES, type MeasurementTimeExample } from './measurement-time-examples';
export { DEAD_LETTER_CODES, DEAD_LETTER_HEADERS, type DeadLetterCode } from './dead-letter-codes';
export { InvalidEnvelopeError, InvalidSensorReadingError, describeValue, type ReadingProblem } from './errors';
