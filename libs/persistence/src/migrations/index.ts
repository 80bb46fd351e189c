import { CreateSensorReadings1732838400000 } from './1732838400000-create-sensor-readings';
import { PartitionSensorReadings1796083200000 } from './1796083200000-partition-sensor-readings';
import { CreateSensorReadingBuckets1796083200001 } from './1796083200001-create-sensor-reading-buckets';
import { KeySensorReadingsByTime1796083200002 } from './1796083200002-key-sensor-readings-by-time';

/**
 * Every migration, oldest first. Append, never edit or reorder: databases out there have
 * already run the earlier ones, and TypeORM knows them only by name.
 */
export const migrations = [
  CreateSensorReadings1732838400000,
  PartitionSensorReadings1796083200000,
  CreateSensorReadingBuckets1796083200001,
  KeySensorReadingsByTime1796083200002,
];
