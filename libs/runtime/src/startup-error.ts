/**
 * A failure at start-up that retrying cannot fix (a wrong password, a missing database, a
 * port taken): the app logs `reason` and `fix` at `fatal`, without a stack, and exits non-zero.
 *
 * @example
 * throw new StartupError('port 9464 is taken', {
 *   fix: 'stop what listens there, or choose another port with --metrics-port (0: any free port)',
 * });
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
  /** What the operator should change. */
  readonly fix: string;
  /** Fields for the fatal log line, e.g. the setting and its URL without the password. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(reason: string, options: { fix: string; details?: Record<string, unknown>; cause?: unknown }) {
    super(reason, { cause: options.cause });
    this.fix = options.fix;
    this.details = options.details ?? {};
  }
}

/**
 * The fields of the fatal line for an error that stopped start-up: `reason` and `fix` for a
 * {@link StartupError}, which a person can act on without a stack; the error itself otherwise.
 */
export function startupFailureFields(err: unknown): Record<string, unknown> {
  if (err instanceof StartupError) return { ...err.details, reason: err.message, fix: err.fix };
  return { err };
}
