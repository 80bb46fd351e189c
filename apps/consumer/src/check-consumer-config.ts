import { redactConfig } from '@sensors/config';
import type { ConsumerConfig } from './config';
import type { CommandOutput } from './dead-letters/dead-letters-options';

/**
 * `consumer check-config`: the settings were valid once loaded (nothing is connected to); prints
 * them as JSON with passwords masked and resolves to the exit code.
 */
export function checkConsumerConfig(config: ConsumerConfig, output: CommandOutput): number {
  for (const { variable, replacement } of config.renamedVariables) {
    output.err(`warning: ${variable} is deprecated and read for this release only: rename it to ${replacement}\n`);
  }
  for (const { option, replacement, origin } of config.renamedOptions) {
    output.err(
      `warning: ${option} (${origin}) is deprecated and read for this release only: rename it to ${replacement}\n`,
    );
  }
  output.out(`${JSON.stringify(redactConfig(config), null, 2)}\n`);
  output.err('configuration valid\n');
  return 0;
}
