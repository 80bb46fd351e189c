/**
 * Thrown when a generator option is out of range. A `RangeError`, so callers can catch it
 * either way; `option` and `value` let a CLI name its own flag instead of the option.
 */
export class InvalidGeneratorOptionError extends RangeError {
  override readonly name = 'InvalidGeneratorOptionError';

  constructor(
    /** The option's name, e.g. `sensors`. */
    readonly option: string,
    /** The value that was given. */
    readonly value: unknown,
    /** What the option must be, e.g. `an integer of at least 1`. */
    readonly requirement: string,
  ) {
    super(`${option} must be ${requirement} (got ${describeOptionValue(value)})`);
  }
}

function describeOptionValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
