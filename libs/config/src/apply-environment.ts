import { readFileSync } from 'node:fs';
import type { Command, Option } from 'commander';

/** An old variable name that was read, and the name that replaces it. */
export interface RenamedVariable {
  variable: string;
  replacement: string;
}

/** Options of {@link applyEnvironment}. */
export interface EnvironmentOptions {
  /** The environment; commander has read each option's own variable from `process.env` already. */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Earlier names still read, new name → old name. Each one in use is returned with its
   * replacement, for a warning; the new name wins when both are set.
   */
  renamed?: Readonly<Record<string, string>>;
  /** Reads the file named by a `*_FILE` variable (tests pass a fake). */
  readFile?: (path: string) => string;
}

/**
 * Completes what commander reads from the environment (each option's `.env()` variable), after
 * `program.parse()` and before the config file: `<NAME>_FILE` names a file holding the value
 * (Docker and Kubernetes secrets; one trailing newline is dropped), and an old name listed in
 * `renamed` is read when the new one is unset. Flags still win. Stops the program with a message
 * that names the variable and never the value when a file cannot be read or its value is
 * invalid. Returns the old names that were read.
 *
 * @example
 * program.parse(argv, { from: 'user' });
 * const renamed = applyEnvironment(program, { env: process.env, renamed: { SENSORS_AMQP_URL: 'AMQP_URL' } });
 * // [{ variable: 'AMQP_URL', replacement: 'SENSORS_AMQP_URL' }] when only AMQP_URL is set
 */
export function applyEnvironment(program: Command, options: EnvironmentOptions): RenamedVariable[] {
  const { env, renamed = {}, readFile = (path) => readFileSync(path, 'utf8') } = options;
  const used: RenamedVariable[] = [];
  for (const option of program.options) {
    const name = option.envVar;
    if (!name) continue;
    const fileVariable = `${name}_FILE`;
    const path = env[fileVariable];
    if (path !== undefined && env[name] !== undefined) {
      program.error(`error: ${name} and ${fileVariable} are both set: set one of them`);
    }
    const source = program.getOptionValueSource(option.attributeName());
    if (source === 'cli' || source === 'env') continue;
    if (path !== undefined) {
      let text: string;
      try {
        text = readFile(path).replace(/\r?\n$/, '');
      } catch (err) {
        program.error(
          `error: cannot read the file ${path} named by ${fileVariable}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`,
        );
      }
      setFromEnvironment(program, option, text, `${fileVariable} (${path})`);
      continue;
    }
    const oldName = renamed[name];
    const oldValue = oldName === undefined ? undefined : env[oldName];
    if (oldName !== undefined && oldValue !== undefined) {
      used.push({ variable: oldName, replacement: name });
      setFromEnvironment(program, option, oldValue, oldName);
    }
  }
  return used;
}

/** Parses a value as commander would from the option's own variable; these may be secrets, so unquoted. */
function setFromEnvironment(program: Command, option: Option, text: string, origin: string): void {
  const shown = ' (value hidden)';
  if (option.argChoices && !option.argChoices.includes(text)) {
    program.error(
      `error: ${origin} for option '${option.flags}' must be one of ${option.argChoices.join(', ')}, not${shown}`,
    );
  }
  let value: unknown = text;
  if (option.parseArg) {
    try {
      value = option.parseArg(text, undefined);
    } catch (err) {
      program.error(`error: ${origin} for option '${option.flags}' is invalid${shown}. ${(err as Error).message}`);
    }
  }
  program.setOptionValueWithSource(option.attributeName(), value, 'env');
}
