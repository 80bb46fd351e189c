import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Orders the key of `sensor_readings` as `(measured_at, id)` (the same key, the columns
 * swapped) and drops the BRIN index on `measured_at`, which the key's btree now replaces.
 *
 * Readings arrive in about time order, so a key led by the time is written at the right edge
 * of its btree, where the pages are in memory, rather than at the random place of a UUID; and
 * it serves time ranges itself. Measured on the consumer's insert, this costs Postgres about 40 %
 * less CPU per row than the key `(id, measured_at)` with BRIN (docs/performance.md).
 * Looking a reading up by `id` alone no longer has an index; by id and time it has.
 *
 * Rebuilds the key's index on every partition, holding the table meanwhile.
 */
export class KeySensorReadingsByTime1796083200002 implements MigrationInterface {
  readonly name = 'KeySensorReadingsByTime1796083200002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('SET LOCAL statement_timeout = 0');
    await queryRunner.query(
      'ALTER TABLE sensor_readings DROP CONSTRAINT sensor_readings_pkey, ADD CONSTRAINT sensor_readings_pkey PRIMARY KEY (measured_at, id)',
    );
    await queryRunner.query('DROP INDEX sensor_readings_measured_at_brin');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('SET LOCAL statement_timeout = 0');
    await queryRunner.query(
      'ALTER TABLE sensor_readings DROP CONSTRAINT sensor_readings_pkey, ADD CONSTRAINT sensor_readings_pkey PRIMARY KEY (id, measured_at)',
    );
    await queryRunner.query(
      'CREATE INDEX sensor_readings_measured_at_brin ON sensor_readings USING brin (measured_at) WITH (autosummarize = on)',
    );
  }
}
