import { access, constants } from 'node:fs/promises';
import { redactConfig } from '@sensors/config';
import type { PublisherConfig } from './config';

/** Where `check-config` writes: standard output and standard error, or fakes in tests. */
export interface CheckOutput {
  out: (text: string) => void;
  err: (text: string) => void;
}

/**
 * `publisher check-config`: the settings were valid once loaded; this also checks what can be
 * checked without connecting (the input file is readable), prints the settings as JSON with
 * passwords and tokens masked, and resolves to the exit code.
 */
export async function checkPublisherConfig(config: PublisherConfig, output: CheckOutput): Promise<number> {
  const problems: string[] = [];
  const { file } = config.source;
  if (config.source.type === 'file' && file !== undefined) {
    await access(file, constants.R_OK).catch((err: NodeJS.ErrnoException) =>
      problems.push(`cannot read --file ${file}: ${err.code ?? 'unreadable'}`),
    );
  }
  for (const { variable, replacement } of config.renamedVariables) {
    output.err(`warning: ${variable} is deprecated and read for this release only: rename it to ${replacement}\n`);
  }
  for (const { option, replacement, origin } of config.renamedOptions) {
    output.err(
      `warning: ${option} (${origin}) is deprecated and read for this release only: rename it to ${replacement}\n`,
    );
  }
  output.out(`${JSON.stringify(redactConfig(config, ['tokens']), null, 2)}\n`);
  for (const problem of problems) output.err(`error: ${problem}\n`);
  if (problems.length === 0) output.err('configuration valid\n');
  return problems.length === 0 ? 0 : 1;
}
