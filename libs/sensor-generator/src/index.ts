// Everything exported here is public API.
export {
  generateSensorReadingBatches,
  generateSensorReadings,
  type GenerateSensorReadingBatchesOptions,
  type GenerateSensorReadingsOptions,
} from './generate-sensor-readings';
export { createSensorSimulator, type SensorSimulator, type SensorSimulatorOptions } from './create-sensor-simulator';
export { InvalidGeneratorOptionError } from './errors';
export type { Clock } from './read-clock';
