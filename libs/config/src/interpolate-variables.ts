/** Thrown by {@link interpolateVariables}; the message names the variable, never a value. */
export class InterpolationError extends Error {
  override readonly name = 'InterpolationError';
}

const REFERENCE = /\$\$|\$\{([^}]*)\}/g;
const REFERENCE_BODY = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

/**
 * Replaces `${NAME}` with the variable's value and `${NAME:-fallback}` with the value or, when
 * the variable is unset or empty, the fallback, as Docker Compose does; `$$` is a literal `$`.
 *
 * @throws {@link InterpolationError} when a variable without a fallback is unset, or a
 * reference is malformed.
 *
 * @example
 * interpolateVariables('amqp://app:${RABBIT_PW}@rabbit', { RABBIT_PW: 's3cret' }); // 'amqp://app:s3cret@rabbit'
 */
export function interpolateVariables(text: string, env: Readonly<Record<string, string | undefined>>): string {
  const result = text.replace(REFERENCE, (reference, body: string | undefined) => {
    if (body === undefined) return '$';
    const match = REFERENCE_BODY.exec(body);
    if (!match) {
      throw new InterpolationError(
        `"\${${body.length > 40 ? '…' : body}}" is not a variable reference: write \${NAME} or \${NAME:-default}`,
      );
    }
    const [, name, fallback] = match as unknown as [string, string, string | undefined];
    const value = env[name];
    if (fallback !== undefined) return value === undefined || value === '' ? fallback : value;
    if (value === undefined) {
      throw new InterpolationError(`variable ${name} is not set (set it, or give a default: \${${name}:-default})`);
    }
    return value;
  });
  if (/\$\{/.test(text.replace(REFERENCE, ''))) {
    throw new InterpolationError('"${" without a closing "}"');
  }
  return result;
}
