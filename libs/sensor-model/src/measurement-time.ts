const HAS_OFFSET = /(Z|[+-]\d{2}(:?\d{2})?)$/i;

/**
 * Returns a reading's `time_of_measurement` with an explicit offset, so that no reader
 * (Postgres included) applies its own time zone: a time without an offset is UTC.
 *
 * @example
 * resolveMeasurementTime('2019-06-24T15:00:00'); // '2019-06-24T15:00:00Z'
 */
export function resolveMeasurementTime(time: string): string {
  return HAS_OFFSET.test(time) ? time : `${time}Z`;
}
