// Everything exported here is public API.
export { createDataSource, type PersistenceOptions } from './create-data-source';
export { migrate, type MigrateOptions } from './migrate';
export {
  saveReadings,
  type RejectedReading,
  type RejectionCode,
  type SaveReadingsOptions,
  type SaveReport,
  type StorableReading,
} from './save-readings';
export {
  maintainPartitions,
  type MaintainPartitionsOptions,
  type PartitionMaintenance,
  type PartitionPeriod,
} from './maintain-partitions';
export { databaseRefusal, type DatabaseRefusal } from './database-refusal';
export { isDataError } from './is-data-error';
export { SensorReadingEntity } from './sensor-reading.entity';
