import { MAX_ID_LENGTH } from './sensor-reading';

/** ASCII letters, digits and `-`, `.`, `:` and `_`: what UUIDs and most device ids are made of. */
const COMMON_ID = /^[-.:0-9A-Za-z_]+$/;

/**
 * Whether a value is an id of the common kind: a string of 1 to {@link MAX_ID_LENGTH} ASCII
 * letters, digits, `-`, `.`, `:` or `_`. Every such id passes the id's declared rules
 * (`SensorReadingDto`), so the compiled check skips them for it; any other value, valid or not,
 * is left to the declared rules, which stay the only judge of what an id may be. The tests run
 * both on generated and edge-case ids to keep it so: a rule added to the id that refuses some
 * common ids must narrow this test too.
 */
export function isCommonId(value: unknown): boolean {
  return typeof value === 'string' && value.length <= MAX_ID_LENGTH && COMMON_ID.test(value);
}
