/** One row of {@link MEASUREMENT_TIME_EXAMPLES}. */
export interface MeasurementTimeExample {
  /** A `time_of_measurement` as a producer may send it. */
  text: string;
  /** The canonical UTC instant it is stored as, or undefined when it is refused. */
  measuredAt?: string;
  /** For a refused text: a piece of the reason given. */
  refusedBecause?: string;
  /** What the row shows. */
  note: string;
}

/**
 * The accepted and refused forms of `time_of_measurement`, with what each becomes: the table
 * the model, storage and end-to-end tests all run, and the README documents.
 */
export const MEASUREMENT_TIME_EXAMPLES: readonly MeasurementTimeExample[] = [
  { text: '2019-06-24T15:00:00Z', measuredAt: '2019-06-24T15:00:00Z', note: 'RFC 3339' },
  { text: '2019-06-24T15:00:00', measuredAt: '2019-06-24T15:00:00Z', note: 'no offset means UTC' },
  { text: '2019-06-24t15:00:00z', measuredAt: '2019-06-24T15:00:00Z', note: 'lower-case t and z' },
  { text: '2019-06-24 15:00:00Z', measuredAt: '2019-06-24T15:00:00Z', note: 'a space for T' },
  { text: '2019-06-24T15:00', measuredAt: '2019-06-24T15:00:00Z', note: 'minutes only' },
  { text: '2019-06-24T15:00:00+05', measuredAt: '2019-06-24T10:00:00Z', note: 'hours-only offset' },
  { text: '2019-06-24T15:00:00+05:30', measuredAt: '2019-06-24T09:30:00Z', note: 'offset ±hh:mm' },
  { text: '2019-06-24T15:00:00-0130', measuredAt: '2019-06-24T16:30:00Z', note: 'offset ±hhmm' },
  { text: '2019-06-24T15:00:00+23:59', measuredAt: '2019-06-23T15:01:00Z', note: 'the largest offset' },
  { text: '2019-06-24T15:00:00.5Z', measuredAt: '2019-06-24T15:00:00.5Z', note: 'a fraction' },
  { text: '2019-06-24T15:00:00,25Z', measuredAt: '2019-06-24T15:00:00.25Z', note: 'a comma fraction' },
  { text: '2019-06-24T15:00:00.123456Z', measuredAt: '2019-06-24T15:00:00.123456Z', note: 'microseconds kept' },
  {
    text: '2019-12-31T23:59:59.9999999999Z',
    measuredAt: '2019-12-31T23:59:59.999999Z',
    note: 'digits past the microsecond truncated, never rounded into the next year',
  },
  { text: '2016-12-31T23:59:60Z', measuredAt: '2017-01-01T00:00:00Z', note: 'a leap second is the next second' },
  { text: '2019-06-24T24:00:00Z', measuredAt: '2019-06-25T00:00:00Z', note: '24:00 is the next midnight' },
  { text: '2020-02-29T12:00:00Z', measuredAt: '2020-02-29T12:00:00Z', note: 'a leap day' },
  { text: '0001-01-01T00:00:00Z', measuredAt: '0001-01-01T00:00:00Z', note: 'the first instant stored' },
  { text: '9999-12-31T23:59:59.999999Z', measuredAt: '9999-12-31T23:59:59.999999Z', note: 'the last instant' },
  { text: '2019-02-30T10:00:00Z', refusedBecause: 'day 30', note: 'a day that does not exist' },
  { text: '2019-02-29T10:00:00Z', refusedBecause: 'day 29', note: 'not a leap year' },
  { text: '2019-13-01T10:00:00Z', refusedBecause: 'month 13', note: 'a month that does not exist' },
  { text: '2019-06-24T25:00:00Z', refusedBecause: 'hour 25', note: 'an hour that does not exist' },
  { text: '2019-06-24T24:00:01Z', refusedBecause: 'hour 24', note: '24:00 only at the end of a day' },
  { text: '2019-06-24T15:60:00Z', refusedBecause: 'minute 60', note: 'a minute that does not exist' },
  { text: '2019-06-24T15:00:61Z', refusedBecause: 'second 61', note: 'past a leap second' },
  { text: '2019-06-24T15:00:00+24:00', refusedBecause: 'beyond ±23:59', note: 'an offset too large' },
  { text: '0000-01-01T00:00:00Z', refusedBecause: 'year 0000', note: 'year 0000' },
  { text: '0001-01-01T00:00:00+01:00', refusedBecause: 'outside', note: 'before year 1 in UTC' },
  { text: '9999-12-31T23:00:00-05:00', refusedBecause: 'outside', note: 'after year 9999 in UTC' },
  { text: '2019-W26-1T15:00:00Z', refusedBecause: 'week date', note: 'an ISO 8601 week date' },
  { text: '2019-175T15:00:00Z', refusedBecause: 'ordinal date', note: 'an ISO 8601 ordinal date' },
  { text: '20190624T150000Z', refusedBecause: 'basic form', note: 'the ISO 8601 basic form' },
  { text: '1561388400', refusedBecause: 'a number', note: 'epoch seconds as text' },
  { text: '2019-06-24', refusedBecause: 'without a time', note: 'a date alone' },
  { text: '2019-06-24T15:00:00 Europe/Paris', refusedBecause: 'time zone', note: 'a time zone name' },
  { text: '2019-06-24T15:00:00 UTC', refusedBecause: 'time zone', note: 'a time zone abbreviation' },
  { text: 'yesterday', refusedBecause: 'RFC 3339', note: 'anything else' },
];
