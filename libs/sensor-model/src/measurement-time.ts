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
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;
const [ZERO, NINE, DASH, COLON, DOT, COMMA, PLUS, MINUS, SPACE, UPPER_T, LOWER_T, UPPER_Z, LOWER_Z] = [
  ...'09-:.,+- TtZz',
].map((character) => character.charCodeAt(0));
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
  return readCommonTime(text) ?? readAnyTime(text);
}

/**
 * The forms producers send nearly always (`YYYY-MM-DD[Tt ]HH:MM:SS`, an optional fraction, and
 * `Z`, `z`, `±hh:mm` or no offset) read without the regular expression and the `Date` objects
 * of {@link readAnyTime}: one pass over the characters and the calendar in integers. It gives
 * exactly what `readAnyTime` gives for every text it reads (the tests compare the two on many
 * generated and edge-case texts); it returns undefined for anything else, valid or not (a leap
 * second, `24:00`, an hours-only offset, a bad day), which `readAnyTime` then reads or refuses
 * with its reason. Internal to the library.
 */
export function readCommonTime(text: string): MeasurementTime | undefined {
  const length = text.length;
  if (length < 19) return undefined;
  const c10 = text.charCodeAt(10);
  if (
    text.charCodeAt(4) !== DASH ||
    text.charCodeAt(7) !== DASH ||
    (c10 !== UPPER_T && c10 !== LOWER_T && c10 !== SPACE) ||
    text.charCodeAt(13) !== COLON ||
    text.charCodeAt(16) !== COLON
  ) {
    return undefined;
  }
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  // NaN (a character that is not a digit) fails each of these comparisons too.
  if (!(year >= 1 && month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59 && second <= 59)) {
    return undefined;
  }
  if (day > (month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1])) return undefined;
  let at = 19;
  // The fraction's first six digits (the microseconds), and where they end in the text.
  let micros = 0;
  let fractionEnd = 19;
  const separator = text.charCodeAt(at);
  if (separator === DOT || separator === COMMA) {
    at++;
    const first = at;
    while (at < length && isDigit(text.charCodeAt(at))) {
      if (at - first < 6) micros = micros * 10 + text.charCodeAt(at) - ZERO;
      at++;
    }
    if (at === first) return undefined;
    fractionEnd = at;
    for (let k = at - first; k < 6; k++) micros *= 10;
  }
  let offsetMinutes = 0;
  if (at < length) {
    const zone = text.charCodeAt(at);
    if (zone === UPPER_Z || zone === LOWER_Z) {
      if (at + 1 !== length) return undefined;
    } else if (zone === PLUS || zone === MINUS) {
      if (at + 6 !== length || text.charCodeAt(at + 3) !== COLON) return undefined;
      const oh = digitsAt(text, at + 1, 2);
      const om = digitsAt(text, at + 4, 2);
      if (!(oh <= 23 && om <= 59)) return undefined;
      offsetMinutes = (zone === MINUS ? -1 : 1) * (oh * 60 + om);
    } else {
      return undefined;
    }
  }
  const epochMs =
    daysSinceEpoch(year, month, day) * MS_PER_DAY +
    hour * MS_PER_HOUR +
    (minute - offsetMinutes) * MS_PER_MINUTE +
    second * 1000 +
    Math.floor(micros / 1000);
  if (epochMs < FIRST_MS || epochMs >= END_MS) return undefined;
  // The fraction's microseconds without trailing zeros, or nothing when they are all zero.
  let fraction = '';
  if (micros !== 0) {
    let digits = 6;
    let kept = micros;
    while (kept % 10 === 0) {
      kept /= 10;
      digits--;
    }
    fraction = `.${String(kept).padStart(digits, '0')}`;
  }
  let measuredAt: string;
  if (offsetMinutes !== 0) {
    measuredAt = `${new Date(epochMs).toISOString().slice(0, 19)}${fraction}Z`;
  } else if (
    c10 === UPPER_T &&
    (fraction === '' ? fractionEnd === 19 : separator === DOT && fractionEnd === 19 + fraction.length)
  ) {
    // Canonical up to the offset (the generator's form, or RFC 3339's with Z): a fraction as
    // long as the one kept has the same digits, so the text itself is the stored form.
    measuredAt =
      fractionEnd === length - 1 && text.charCodeAt(length - 1) === UPPER_Z ? text : `${text.slice(0, fractionEnd)}Z`;
  } else {
    measuredAt = `${text.slice(0, 10)}T${text.slice(11, 19)}${fraction}Z`;
  }
  return { measuredAt, epochMs };
}

/**
 * Every accepted form, or the reason a text is refused: the reading that defines what
 * {@link parseMeasurementTime} accepts. Internal to the library.
 */
export function readAnyTime(text: string): MeasurementTime | MeasurementTimeProblem {
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

function isDigit(code: number): boolean {
  return code >= ZERO && code <= NINE;
}

/** The number written by `count` ASCII digits from `at`, or NaN if one of them is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) return Number.NaN;
    value = value * 10 + code - ZERO;
  }
  return value;
}

/**
 * Days from 1970-01-01 to a date of the proleptic Gregorian calendar (as `Date` counts them),
 * by H. Hinnant's `days_from_civil`: years counted from March, so that the leap day ends one.
 */
function daysSinceEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
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
