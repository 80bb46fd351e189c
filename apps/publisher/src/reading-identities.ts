import { DEAD_LETTER_CODES, InvalidSensorReadingError, parseMeasurementTime } from '@sensors/sensor-model';

/**
 * The same id and time of measurement as an earlier reading, with other content: one of the
 * two is wrong, and storage would keep the first. Dead-lettered as `conflicting-reading`.
 */
export class ConflictingReadingError extends InvalidSensorReadingError {
  readonly code = DEAD_LETTER_CODES.conflictingReading;
}

/**
 * Remembers the last `capacity` readings by identity, (id, instant of measurement), to find a
 * reading that repeats an identity with other content. A repeat with the same content is a
 * redelivery and passes: storage keeps one.
 */
export class ReadingIdentities {
  private readonly seen = new Map<string, { body: string; label: string }>();

  constructor(private readonly capacity: number) {}

  /**
   * Records a valid reading's message body (the enriched reading's JSON) under its identity, or
   * throws {@link ConflictingReadingError} naming the earlier one when the identity is taken by
   * other content. `label` says where the reading came from, e.g. `line 3` or `reading 0`.
   */
  check(id: string, timeOfMeasurement: string, body: string, label: string): void {
    const time = parseMeasurementTime(timeOfMeasurement);
    const key = `${id}\u0000${'measuredAt' in time ? time.measuredAt : timeOfMeasurement}`;
    const earlier = this.seen.get(key);
    if (earlier && earlier.body !== body) {
      throw new ConflictingReadingError([
        {
          field: 'content',
          value: (JSON.parse(body) as { content?: unknown }).content,
          problem: `has the id and time_of_measurement of an earlier reading, with other content (${DEAD_LETTER_CODES.conflictingReading}: ${earlier.label} was ${earlier.body})`,
        },
      ]);
    }
    if (earlier) return;
    this.seen.set(key, { body, label });
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.keys().next().value as string);
  }
}
