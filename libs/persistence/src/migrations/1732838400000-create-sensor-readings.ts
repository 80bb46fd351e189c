import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Creates `sensor_readings`, keyed by the reading's id so that a redelivery inserts nothing. */
export class CreateSensorReadings1732838400000 implements MigrationInterface {
  // Stated, not taken from the class, because a minifier may rename the class and TypeORM
  // would then record (and look for) a different migration.
  readonly name = 'CreateSensorReadings1732838400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE sensor_readings (
        id varchar(128) NOT NULL,
        sensor_type text NOT NULL,
        temperature_f double precision NOT NULL,
        temperature_c double precision NOT NULL,
        measured_at timestamptz NOT NULL,
        ingested_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT sensor_readings_pkey PRIMARY KEY (id)
      )
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE sensor_readings');
  }
}
