import { CreateSensorReadings1732838400000 } from './1732838400000-create-sensor-readings';

/**
 * Every migration, oldest first. Append, never edit or reorder: databases out there have
 * already run the earlier ones, and TypeORM knows them only by name.
 */
export const migrations = [CreateSensorReadings1732838400000];
