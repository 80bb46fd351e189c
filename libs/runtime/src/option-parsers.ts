import { InvalidArgumentError } from 'commander';

/**
 * Returns a commander argument parser for an integer in `[min, max]`; commander reports a bad
 * value with the option (or environment variable) and the value.
 */
export function integerOption(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`Expected a whole number from ${min} to ${max}.`);
    }
    return parsed;
  };
}

/** Returns a commander argument parser for a finite number no smaller than `min`. */
export function numberOption(min: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed) || parsed < min) {
      throw new InvalidArgumentError(`Expected a number of at least ${min}.`);
    }
    return parsed;
  };
}

/** Parses `true`/`false` (also `1`/`0`, `yes`/`no`) for options that come from the environment. */
export function booleanOption(value: string): boolean {
  const normalized = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(normalized)) return true;
  if (['false', '0', 'no'].includes(normalized)) return false;
  throw new InvalidArgumentError('Expected true or false.');
}

/**
 * Parses a comma-separated list of URLs with one of the given schemes, e.g. the broker nodes of
 * `AMQP_URL`. The error never shows the value, which may hold a password.
 */
export function urlListOption(...schemes: string[]): (value: string) => string[] {
  return (value) => {
    const urls = value.split(',').map((url) => url.trim()).filter(Boolean);
    if (urls.length === 0) throw new InvalidArgumentError('Expected at least one URL.');
    for (const url of urls) {
      let scheme: string;
      try {
        scheme = new URL(url).protocol.replace(/:$/, '');
      } catch {
        throw new InvalidArgumentError(`Expected URLs like ${schemes[0]}://user:password@host:port (value hidden).`);
      }
      if (!schemes.includes(scheme)) {
        throw new InvalidArgumentError(`Expected a ${schemes.join(' or ')} URL, got a ${scheme} one.`);
      }
    }
    return urls;
  };
}
