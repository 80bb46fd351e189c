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

/**
 * Renders a value for an error message as JSON-like text of at most 80 characters. It walks
 * the value with a stack of its own and stops once it has enough, so neither a 1 MiB field nor
 * an array nested 10,000 deep can flood a log or exhaust the call stack.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = previewJson(value, MAX_SHOWN_VALUE_LENGTH + 1);
  if (text.length <= MAX_SHOWN_VALUE_LENGTH) return text;
  const total = typeof value === 'string' ? ` (${JSON.stringify(value).length} characters)` : '';
  return `${text.slice(0, MAX_SHOWN_VALUE_LENGTH)}…${total}`;
}

/** JSON text of `value`, cut after `limit` characters, built without recursion. */
function previewJson(value: unknown, limit: number): string {
  let out = '';
  const stack: unknown[] = [value];
  while (stack.length > 0 && out.length < limit) {
    const item = stack.pop();
    if (item instanceof Token) {
      out += item.text;
    } else if (Array.isArray(item)) {
      stack.push(CLOSE_ARRAY);
      for (let i = Math.min(item.length, limit) - 1; i >= 0; i--) stack.push(item[i], ...(i > 0 ? [COMMA] : []));
      out += '[';
    } else if (typeof item === 'object' && item !== null) {
      const keys = Object.keys(item).slice(0, limit);
      stack.push(CLOSE_OBJECT);
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push((item as Record<string, unknown>)[keys[i]], new Token(`${JSON.stringify(keys[i])}:`));
        if (i > 0) stack.push(COMMA);
      }
      out += '{';
    } else if (typeof item === 'string') {
      out += JSON.stringify(item.length > limit ? item.slice(0, limit) : item);
    } else {
      out +=
        typeof item === 'bigint' || typeof item === 'number' ? String(item) : (JSON.stringify(item) ?? String(item));
    }
  }
  return out;
}

class Token {
  constructor(readonly text: string) {}
}
const COMMA = new Token(',');
const CLOSE_ARRAY = new Token(']');
const CLOSE_OBJECT = new Token('}');

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
