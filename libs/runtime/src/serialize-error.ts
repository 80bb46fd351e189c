const CREDENTIALS_IN_URL = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/\s@]+):[^@\s]*@/gi;

/** A logged error: what a person needs, nothing that can leak or flood. */
export interface SerializedError {
  type: string;
  message: string;
  code?: string;
  stack?: string;
}

/**
 * Turns an error into log fields, for pino's `serializers.err`. Unlike pino's default it keeps
 * only type, message, code and stack (a failed query's error would otherwise carry every
 * parameter of a 1,000-row batch), and it masks passwords in any URL the text contains.
 *
 * @example
 * const log = pino({ serializers: { err: serializeError } });
 */
export function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { type: typeof err, message: mask(String(err)) };
  const code = (err as { code?: unknown }).code;
  return {
    type: err.name,
    message: mask(err.message),
    ...(typeof code === 'string' || typeof code === 'number' ? { code: String(code) } : {}),
    ...(err.stack ? { stack: mask(err.stack) } : {}),
  };
}

function mask(text: string): string {
  return text.replace(CREDENTIALS_IN_URL, '$1:***@');
}
