/** The instant a reading was measured, read once from its `time_of_measurement`. */
export interface MeasurementTime {
  /** The instant in canonical UTC form, `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`: what is stored. */
  measuredAt: string;
  /** The instant in milliseconds since 1970 (the microseconds of `measuredAt` dropped). */
  epochMs: number;
}

/** Why a text is not a time of measurement, said so that a producer can fix it. */
export interface MeasurementTimeProblem {
  problem: string;
}

/** The shape of an accepted time (the calendar and the ranges are checked after): what the JSON Schema states. */
export const RFC_3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;
const EXAMPLE = 'such as 2019-06-24T15:00:00Z (no offset means UTC)';
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MS_PER_MINUTE = 60_000;
/** 0001-01-01T00:00:00Z and 10000-01-01T00:00:00Z: the years both Postgres and JavaScript write as four digits. */
const FIRST_MS = new Date(0).setUTCFullYear(1, 0, 1);
const END_MS = new Date(0).setUTCFullYear(10_000, 0, 1);

/**
 * Reads a reading's `time_of_measurement`: the one function validation, storage, metrics and
 * logs take the instant from, so that no two components read a time differently.
 *
 * Accepted (RFC 3339 and the ISO 8601 forms it is a profile of, see `MEASUREMENT_TIME_EXAMPLES`):
 * - a date and a time of day separated by `T`, `t` or a space; seconds and a fraction optional;
 * - an offset `Z`/`z`, `±hh`, `±hh:mm` or `±hhmm` up to ±23:59; no offset means UTC;
 * - a fraction after a dot or a comma, of any length: digits past the microsecond are
 *   truncated, never rounded, so a reading never moves into the next second (or year);
 * - a leap second `:60` is stored as the next second (as Postgres does; JavaScript has none);
 * - `24:00:00` is midnight at the end of the day, i.e. `00:00:00` of the next day;
 * - instants from 0001-01-01 to 9999-12-31 (UTC), the years Postgres and JavaScript both hold.
 *
 * Refused, with a reason naming the form: dates that do not exist, year 0000, week and ordinal
 * dates, the basic (separator-less) form, numbers, a date without a time, time zone names.
 *
 * @example
 * parseMeasurementTime('2019-06-24T15:00:00+05'); // { measuredAt: '2019-06-24T10:00:00Z', epochMs: 1561370400000 }
 * parseMeasurementTime('2019-W26-1'); // { problem: 'is a week date (…)' }
 */
export function parseMeasurementTime(text: string): MeasurementTime | MeasurementTimeProblem {
  const match = RFC_3339.exec(text);
  if (!match) return { problem: describeForm(text) };
  const [, yyyy, mm, dd, hh, mi, ss = '00', fraction = '', zulu, sign, oh, om = '00'] = match;
  const [year, month, day, hour, minute, second] = [yyyy, mm, dd, hh, mi, ss].map(Number);
  if (year === 0) return { problem: 'has year 0000, which Postgres cannot store: years run from 0001' };
  if (month < 1 || month > 12) return { problem: `has month ${mm}, which does not exist` };
  const days = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
  if (day < 1 || day > days) return { problem: `has day ${dd} in a month of ${days} days` };
  const micros = fraction.slice(0, 6).padEnd(6, '0');
  const endOfDay = hour === 24 && minute === 0 && second === 0 && /^0*$/.test(fraction);
  if (hour > 23 && !endOfDay) return { problem: `has hour ${hh}: hours run from 00 to 23 (24:00:00 alone ends a day)` };
  if (minute > 59) return { problem: `has minute ${mi}, which does not exist` };
  if (second > 60) return { problem: `has second ${ss}: seconds run from 00 to 60 (a leap second)` };
  if (!zulu && sign && (Number(oh) > 23 || Number(om) > 59)) {
    return { problem: `has offset ${sign}${oh}:${om}, beyond ±23:59` };
  }
  const offsetMinutes = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) : 0;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, Number(micros.slice(0, 3)));
  const epochMs = date.getTime() - offsetMinutes * MS_PER_MINUTE;
  if (epochMs < FIRST_MS || epochMs >= END_MS) {
    return {
      problem: 'lies outside 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z, the instants that can be stored',
    };
  }
  const subMilli = micros.slice(3).replace(/0+$/, '');
  const iso = new Date(epochMs).toISOString();
  const measuredAt = subMilli
    ? `${iso.slice(0, 23)}${subMilli}Z`
    : iso.slice(20, 23) === '000'
      ? `${iso.slice(0, 19)}Z`
      : `${iso.slice(0, 23).replace(/0+$/, '')}Z`;
  return { measuredAt, epochMs };
}

/** Whether `parseMeasurementTime` gave a problem rather than an instant. */
export function isMeasurementTimeProblem(
  result: MeasurementTime | MeasurementTimeProblem,
): result is MeasurementTimeProblem {
  return 'problem' in result;
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function describeForm(text: string): string {
  const fix = `write a date and a time ${EXAMPLE}`;
  if (/^[+-]?\d+(\.\d+)?$/.test(text)) return `is a number, not a date-time: ${fix}`;
  if (/^\d{4}-?W\d{2}/i.test(text)) return `is an ISO 8601 week date, which is not accepted: ${fix}`;
  if (/^\d{4}-?\d{3}(?:[Tt ]|$)/.test(text) && !/^\d{8}/.test(text)) {
    return `is an ISO 8601 ordinal date (year and day of year), which is not accepted: ${fix}`;
  }
  if (/^\d{8}(?:[Tt ]?\d{2,6})?/.test(text)) {
    return `is in the ISO 8601 basic form (no separators), which is not accepted: ${fix}`;
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return `is a date without a time: ${fix}`;
  if (/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}([.,]\d+)?)?\s*[A-Za-z_/]+$/.test(text)) {
    return `names a time zone, which is not accepted: give an offset instead, ${EXAMPLE}`;
  }
  return `must be an RFC 3339 date-time ${EXAMPLE}`;
}
