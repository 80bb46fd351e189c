import type { MigrationInterface, QueryRunner } from 'typeorm';

// The columns of the first migration, which both layouts share.
const COLUMNS = `id varchar(128) NOT NULL,
        sensor_type text NOT NULL,
        temperature_f double precision NOT NULL,
        temperature_c double precision NOT NULL,
        measured_at timestamptz NOT NULL,
        ingested_at timestamptz NOT NULL DEFAULT now()`;

/**
 * Turns `sensor_readings` into a table partitioned by `measured_at` (declarative partitioning,
 * no extension), keyed by `(id, measured_at)`: a reading is its id at its time of measurement.
 * Adds `extra`, for the fields of a reading that the model does not know.
 *
 * Every existing row is copied into the DEFAULT partition, which keeps whatever no other
 * partition takes; `maintainPartitions` then creates the periods ahead, moving their rows out
 * of DEFAULT. A BRIN index on `measured_at` serves time ranges at a fraction of a btree's size,
 * because readings arrive roughly in time order.
 */
export class PartitionSensorReadings1796083200000 implements MigrationInterface {
  readonly name = 'PartitionSensorReadings1796083200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Copying a large table takes longer than the apps' statement timeout.
    await queryRunner.query('SET LOCAL statement_timeout = 0');
    await queryRunner.query('ALTER TABLE sensor_readings RENAME TO sensor_readings_unpartitioned');
    await queryRunner.query(
      'ALTER TABLE sensor_readings_unpartitioned RENAME CONSTRAINT sensor_readings_pkey TO sensor_readings_unpartitioned_pkey',
    );
    await queryRunner.query(`
      CREATE TABLE sensor_readings (
        ${COLUMNS},
        extra jsonb,
        CONSTRAINT sensor_readings_pkey PRIMARY KEY (id, measured_at)
      ) PARTITION BY RANGE (measured_at)
    `);
    await queryRunner.query('CREATE TABLE sensor_readings_default PARTITION OF sensor_readings DEFAULT');
    await queryRunner.query(`
      INSERT INTO sensor_readings (id, sensor_type, temperature_f, temperature_c, measured_at, ingested_at)
      SELECT id, sensor_type, temperature_f, temperature_c, measured_at, ingested_at
        FROM sensor_readings_unpartitioned
       ORDER BY measured_at
    `);
    // Built after the copy: one sort instead of maintaining it row by row.
    await queryRunner.query(
      'CREATE INDEX sensor_readings_measured_at_brin ON sensor_readings USING brin (measured_at) WITH (autosummarize = on)',
    );
    await queryRunner.query('DROP TABLE sensor_readings_unpartitioned');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Lossy where one id was stored at two times, and `extra` is lost: the old key is the id alone.
    await queryRunner.query('SET LOCAL statement_timeout = 0');
    await queryRunner.query('ALTER TABLE sensor_readings RENAME TO sensor_readings_partitioned');
    await queryRunner.query(`
      CREATE TABLE sensor_readings (
        ${COLUMNS},
        CONSTRAINT sensor_readings_unpartitioned_pkey PRIMARY KEY (id)
      )
    `);
    await queryRunner.query(`
      INSERT INTO sensor_readings (id, sensor_type, temperature_f, temperature_c, measured_at, ingested_at)
      SELECT id, sensor_type, temperature_f, temperature_c, measured_at, ingested_at
        FROM sensor_readings_partitioned ORDER BY measured_at
      ON CONFLICT (id) DO NOTHING
    `);
    await queryRunner.query('DROP TABLE sensor_readings_partitioned');
    await queryRunner.query(
      'ALTER TABLE sensor_readings RENAME CONSTRAINT sensor_readings_unpartitioned_pkey TO sensor_readings_pkey',
    );
  }
}
