import type { Command, Option } from 'commander';
import { applyConfigFile, type ConfigFileOptions } from './apply-config-file';
import { applyEnvironment, type EnvironmentOptions, type RenamedVariable } from './apply-environment';

/** Options of {@link parseOptions}: where values come from besides the flags. */
export interface ParseOptionsSettings extends ConfigFileOptions, Pick<EnvironmentOptions, 'renamed'> {
  /** Throws commander's CommanderError instead of printing and exiting (for tests). */
  exitOverride?: boolean;
}

/**
 * Adds `options` to `program` and reads their values from `argv`, then from the environment
 * ({@link applyEnvironment}), then from the `--config` file ({@link applyConfigFile}): flags win
 * over the environment, which wins over the file, which wins over the defaults. Returns the old
 * variable names that were read, for a warning once the app has a logger.
 *
 * @example
 * const renamed = parseOptions(program, options, process.argv.slice(2), { section: 'consumer', env: process.env });
 */
export function parseOptions(
  program: Command,
  options: readonly Option[],
  argv: readonly string[],
  settings: ParseOptionsSettings,
): RenamedVariable[] {
  for (const option of options) program.addOption(option);
  if (settings.exitOverride) {
    program.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  }
  program.parse([...argv], { from: 'user' });
  const renamedVariables = applyEnvironment(program, { env: settings.env, renamed: settings.renamed });
  applyConfigFile(program, settings);
  return renamedVariables;
}
