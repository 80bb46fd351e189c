import { readFileSync } from 'node:fs';
import type { Command, Option } from 'commander';
import { YAMLParseError, parse as parseYaml } from 'yaml';

/**
 * Fills every option still at its default from the file named by `--config` (JSON or YAML,
 * keys are the long option names without dashes, e.g. `batch-size: 500`), so that flags win
 * over the environment, which wins over the file, which wins over the defaults. Call it after
 * `program.parse()`. Stops the program with a message naming the file, the key and the problem
 * when the file cannot be read, a key is unknown or a value is invalid.
 *
 * @example
 * program.parse(argv, { from: 'user' });
 * applyConfigFile(program);
 */
export function applyConfigFile(program: Command): void {
  const path = program.opts()['config'] as string | undefined;
  if (!path) return;
  const values = readValues(program, path);
  const byName = new Map(program.options.filter((o) => o.long).map((o) => [o.long?.replace(/^--/, ''), o]));
  for (const [key, value] of Object.entries(values)) {
    const option = byName.get(key);
    if (!option || key === 'config') {
      program.error(
        `error: config file ${path}: unknown option "${key}" (expected one of: ${[...byName.keys()].join(', ')})`,
      );
    }
    const name = option.attributeName();
    if (program.getOptionValueSource(name) !== 'default' && program.getOptionValueSource(name) !== undefined) continue;
    program.setOptionValueWithSource(name, convert(program, path, key, option, value), 'config');
  }
}

function readValues(program: Command, path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    program.error(`error: cannot read config file ${path}: ${(err as Error).message}`);
  }
  let values: unknown;
  const format = /\.json$/i.test(path) ? 'JSON' : 'YAML';
  try {
    values = format === 'JSON' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    program.error(`error: config file ${path} is not valid ${format} (${describeParseError(err)})`);
  }
  if (values === null || values === undefined) return {};
  if (typeof values !== 'object' || Array.isArray(values)) {
    program.error(`error: config file ${path} must hold a mapping of option names to values`);
  }
  return values as Record<string, unknown>;
}

function convert(program: Command, path: string, key: string, option: Option, value: unknown): unknown {
  const text = Array.isArray(value) ? value.join(',') : String(value);
  if (option.argChoices && !option.argChoices.includes(text)) {
    program.error(
      `error: config file ${path}: "${key}" must be one of ${option.argChoices.join(', ')} (got "${text}")`,
    );
  }
  if (!option.parseArg) return text;
  try {
    return option.parseArg(text, undefined);
  } catch (err) {
    program.error(`error: config file ${path}: "${key}" value "${text}" is invalid. ${(err as Error).message}`);
  }
}

/**
 * Where a config file failed to parse, without the parser's message: both YAML's and V8's JSON
 * messages quote the offending text, which may be a password.
 */
function describeParseError(err: unknown): string {
  const linePos = (err as { linePos?: { line: number; col: number }[] }).linePos;
  if (err instanceof YAMLParseError && linePos?.[0]) {
    return `${err.code} at line ${linePos[0].line}, column ${linePos[0].col}; content hidden`;
  }
  const position = /position (\d+)/.exec((err as Error).message)?.[1];
  return position ? `syntax error at character ${position}; content hidden` : 'syntax error; content hidden';
}
