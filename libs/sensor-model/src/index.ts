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
export { parseSensorReading } from './parse-sensor-reading';
export { resolveMeasurementTime } from './measurement-time';
export { InvalidSensorReadingError, describeValue, type ReadingProblem } from './errors';
