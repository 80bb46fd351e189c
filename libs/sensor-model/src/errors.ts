/** One thing wrong with a reading: where, what was there, and why it is rejected. */
export interface ReadingProblem {
  /** Dotted path of the field, e.g. `content.temperature_f`; `(reading)` for the whole input. */
  field: string;
  /** The value found there (`undefined` when the field is missing). */
  value: unknown;
  /** What is wrong, e.g. `must be a finite number`. */
  problem: string;
}

const MAX_SHOWN_VALUE_LENGTH = 80;

/** Renders a value for an error message, cut short so that a 1 MiB field cannot flood a log. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  if (typeof value === 'number' || typeof value === 'bigint') {
    text = String(value);
  } else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > MAX_SHOWN_VALUE_LENGTH
    ? `${text.slice(0, MAX_SHOWN_VALUE_LENGTH)}… (${text.length} characters)`
    : text;
}

/** Thrown by `parseSensorReading` when the input is not a valid reading; lists every problem. */
export class InvalidSensorReadingError extends Error {
  override readonly name = 'InvalidSensorReadingError';

  constructor(readonly problems: readonly ReadingProblem[]) {
    super(
      `Invalid sensor reading: ${problems
        .map((p) => `${p.field} ${p.problem} (got ${describeValue(p.value)})`)
        .join('; ')}`,
    );
  }

  /** The dotted paths of the fields at fault, without repeats. */
  get fields(): string[] {
    return [...new Set(this.problems.map((p) => p.field))];
  }
}

/**
 * Thrown by `parseSensorEnvelope` when a message cannot be read as an envelope at all (not
 * UTF-8 JSON, not an object with a `readings` array, empty, too large): it is refused whole.
 * A bad reading inside a readable envelope is not this error; it is listed on its own.
 */
export class InvalidEnvelopeError extends Error {
  override readonly name = 'InvalidEnvelopeError';

  constructor(readonly problem: string) {
    super(`Invalid envelope: ${problem}`);
  }
}
