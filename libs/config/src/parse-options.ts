import type { Command, Option } from 'commander';
import { applyConfigFile, type ConfigFileOptions } from './apply-config-file';
import { applyEnvironment, type EnvironmentOptions, type RenamedVariable } from './apply-environment';
import { addRenamedOptions, applyRenamedOptions, type RenamedOption } from './rename-options';

/** Options of {@link parseOptions}: where values come from besides the flags. */
export interface ParseOptionsSettings extends ConfigFileOptions, Pick<EnvironmentOptions, 'renamed'> {
  /**
   * Earlier long names of options still accepted, as flags and as config file keys, new flag →
   * old flag (`{ '--max-unconfirmed': '--max-in-flight' }`); hidden from `--help`.
   */
  renamedOptions?: Readonly<Record<string, string>>;
  /** Throws commander's CommanderError instead of printing and exiting (for tests). */
  exitOverride?: boolean;
}

/** The earlier names {@link parseOptions} read, for a warning once the app has a logger. */
export interface ParsedOptions {
  renamedVariables: RenamedVariable[];
  renamedOptions: RenamedOption[];
}

/**
 * Adds `options` to `program` and reads their values from `argv`, then from the environment
 * ({@link applyEnvironment}), then from the `--config` file ({@link applyConfigFile}): flags win
 * over the environment, which wins over the file, which wins over the defaults. Returns the old
 * variable and option names that were read.
 *
 * @example
 * const { renamedVariables } = parseOptions(program, options, process.argv.slice(2), { section: 'consumer', env: process.env });
 */
export function parseOptions(
  program: Command,
  options: readonly Option[],
  argv: readonly string[],
  settings: ParseOptionsSettings,
): ParsedOptions {
  const { renamedOptions = {} } = settings;
  for (const option of options) program.addOption(option);
  addRenamedOptions(program, options, renamedOptions);
  if (settings.exitOverride) {
    program.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  }
  program.parse([...argv], { from: 'user' });
  const renamedVariables = applyEnvironment(program, { env: settings.env, renamed: settings.renamed });
  applyConfigFile(program, settings);
  return { renamedVariables, renamedOptions: applyRenamedOptions(program, renamedOptions) };
}
