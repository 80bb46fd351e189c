import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates `sensor_reading_buckets(from_time, to_time, bucket)`: the readings measured in
 * `[from_time, to_time)` grouped into buckets of `bucket` (aligned on the Unix epoch), with
 * count, min, max and mean °C of each; buckets without readings are left out.
 */
export class CreateSensorReadingBuckets1796083200001 implements MigrationInterface {
  readonly name = 'CreateSensorReadingBuckets1796083200001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION sensor_reading_buckets(from_time timestamptz, to_time timestamptz, bucket interval)
      RETURNS TABLE (bucket_start timestamptz, readings bigint, min_c double precision, max_c double precision, mean_c double precision)
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$
        SELECT date_bin(bucket, measured_at, timestamptz '1970-01-01 00:00:00+00') AS bucket_start,
               count(*), min(temperature_c), max(temperature_c), avg(temperature_c)
          FROM sensor_readings
         WHERE measured_at >= from_time AND measured_at < to_time
         GROUP BY 1
         ORDER BY 1
      $$
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION sensor_reading_buckets(timestamptz, timestamptz, interval)');
  }
}
