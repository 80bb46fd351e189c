/** A row of `sensor_readings` as `SELECT *` returns it through pg. */
export interface StoredReadingRow {
  id: string;
  sensor_type: string;
  temperature_f: number;
  temperature_c: number;
  measured_at: Date;
  ingested_at: Date;
}
