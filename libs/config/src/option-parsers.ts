import { InvalidArgumentError, type Command } from 'commander';

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

/**
 * Parses `true`/`false` (also `1`/`0`, `yes`/`no`) for options that come from the environment;
 * a flag given without a value arrives here as its preset, `true`.
 */
export function booleanOption(value: string | boolean): boolean {
  if (typeof value === 'boolean') return value;
  const normalized = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(normalized)) return true;
  if (['false', '0', 'no'].includes(normalized)) return false;
  throw new InvalidArgumentError('Expected true or false.');
}

/**
 * Reads an option holding a comma-separated list of URLs (e.g. the broker nodes of `--amqp-url`)
 * after commander has parsed it, and stops the program with an error naming the option when a
 * URL is malformed or of another scheme. Unlike commander's own errors, this one never repeats
 * the value, which may hold a password.
 */
export function readUrlList(program: Command, key: string, schemes: readonly string[]): string[] {
  const option = program.options.find((o) => o.attributeName() === key);
  const label = `option '${option?.long ?? key}'${option?.envVar ? ` (env ${option.envVar})` : ''}`;
  const value = String(program.opts()[key] ?? '');
  const urls = value
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
  if (urls.length === 0) program.error(`error: ${label} needs at least one URL.`);
  for (const url of urls) {
    let scheme: string | undefined;
    try {
      scheme = new URL(url).protocol.replace(/:$/, '');
    } catch {
      program.error(`error: ${label} is not a URL like ${schemes[0]}://user:password@host:port (value hidden).`);
    }
    if (scheme !== undefined && !schemes.includes(scheme)) {
      program.error(
        `error: ${label} must be ${article(schemes[0])} ${schemes.join(' or ')} URL, not ${scheme} (value hidden).`,
      );
    }
  }
  return urls;
}

/**
 * "an" before a vowel sound: a word starting with a vowel (amqp), or a scheme read letter by
 * letter from one whose name starts with one (mqtt, http); "a" otherwise (postgres).
 */
function article(word: string | undefined): 'a' | 'an' {
  return /^([aeiou]|[fhlmnrsx][^aeiouy])/i.test(word ?? '') ? 'an' : 'a';
}
