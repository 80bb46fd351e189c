// Everything exported here is public API.
export { createDataSource, type PersistenceOptions } from './create-data-source';
export { migrate, type MigrateOptions } from './migrate';
export { saveReadings } from './save-readings';
export { isDataError } from './is-data-error';
export { SensorReadingEntity } from './sensor-reading.entity';
