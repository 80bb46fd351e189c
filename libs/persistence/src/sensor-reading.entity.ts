// TypeORM reads the column metadata that the decorators record through reflect-metadata.
import 'reflect-metadata';
import { MAX_ID_LENGTH } from '@sensors/sensor-model';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One stored reading: a row of `sensor_readings`, for reading rows back through TypeORM.
 * Writes go through `saveReadings`, which never builds entities.
 *
 * Every column states its name and type, because the apps are bundled by webpack, where
 * inferred types and property-derived names are not reliable.
 */
@Entity({ name: 'sensor_readings' })
export class SensorReadingEntity {
  /** The reading's id; with `measuredAt`, the key that makes a redelivered reading a no-op. */
  @PrimaryColumn({
    name: 'id',
    type: 'varchar',
    length: MAX_ID_LENGTH,
    primaryKeyConstraintName: 'sensor_readings_pkey',
  })
  id!: string;

  /** The reading's `type`, e.g. `Sensor`. */
  @Column({ name: 'sensor_type', type: 'text' })
  sensorType!: string;

  /** Degrees Fahrenheit, as measured. */
  @Column({ name: 'temperature_f', type: 'double precision' })
  temperatureF!: number;

  /** Degrees Celsius, as enriched. */
  @Column({ name: 'temperature_c', type: 'double precision' })
  temperatureC!: number;

  /**
   * When the sensor measured (a `time_of_measurement` without an offset is stored as UTC): the
   * partition key, and the first column of the primary key `(measured_at, id)`, whose btree
   * serves time ranges.
   */
  @PrimaryColumn({ name: 'measured_at', type: 'timestamptz', primaryKeyConstraintName: 'sensor_readings_pkey' })
  measuredAt!: Date;

  /** When the row was first written, set by Postgres. */
  @Column({
    name: 'ingested_at',
    type: 'timestamptz',
    default: () => 'now()',
    insert: false,
    update: false,
  })
  ingestedAt!: Date;

  /** The fields of the reading that the model does not know, as received; null when there were none. */
  @Column({ name: 'extra', type: 'jsonb', nullable: true })
  extra!: Record<string, unknown> | null;
}
