/**
 * Where the generator takes the time from: a `Date`, or milliseconds since 1970 (as `Date.now`
 * gives them, without an object per reading).
 */
export type Clock = () => Date | number;

/** The clock's present time in milliseconds since 1970. */
export function readClock(clock: Clock): number {
  const now = clock();
  return typeof now === 'number' ? now : now.getTime();
}
