import { readFileSync } from 'node:fs';
import type { Command, Option } from 'commander';
import { YAMLParseError, parse as parseYaml } from 'yaml';
import { InterpolationError, interpolateVariables } from './interpolate-variables';

/** Options of {@link applyConfigFile}. */
export interface ConfigFileOptions {
  /** The section this program reads besides the top level, e.g. `publisher`. */
  section: string;
  /** Sections of other programs sharing the file: skipped unread, e.g. `['consumer']`. */
  otherSections?: readonly string[];
  /** Variables `${NAME}` and `${NAME:-default}` in values are replaced from. */
  env: Readonly<Record<string, string | undefined>>;
}

type Values = Record<string, unknown>;

/**
 * Fills every option still at its default from the file named by `--config` (JSON or YAML,
 * keys are the long option names without dashes, e.g. `batch-size: 500`), so that flags win
 * over the environment, which wins over the file, which wins over the defaults. Call it after
 * `program.parse()`.
 *
 * One file can serve several programs: keys at the top level are read by every program, keys
 * under its own `section` by this one only (and win over the top level), and the other
 * programs' sections are skipped. `${NAME}` and `${NAME:-default}` in values are replaced from
 * `env`. Stops the program with a message naming the file, the key and the problem (never the
 * file's text, which may hold a password) when the file cannot be read, a key is unknown or a
 * value is invalid.
 *
 * @example
 * program.parse(argv, { from: 'user' });
 * applyConfigFile(program, { section: 'consumer', otherSections: ['publisher'], env: process.env });
 */
export function applyConfigFile(program: Command, options: ConfigFileOptions): void {
  const path = program.opts()['config'] as string | undefined;
  if (!path) return;
  const { section, otherSections = [], env } = options;
  const file = readValues(program, path);
  const byName = new Map(
    program.options.filter((o) => o.long && o.long !== '--config').map((o) => [o.long?.replace(/^--/, ''), o]),
  );
  // Earlier names, hidden from --help, are accepted but not offered.
  const known = program.options
    .filter((o) => o.long && o.long !== '--config' && !o.hidden)
    .map((o) => o.long?.slice(2));
  const sectionNames = [section, ...otherSections].map((name) => `"${name}:"`).join(' or ');
  const entries: [key: string, value: unknown, where: string][] = [];
  for (const [key, value] of Object.entries(file)) {
    if (otherSections.includes(key)) continue;
    if (key !== section) {
      entries.push([key, value, '']);
      continue;
    }
    if (value === null) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      program.error(`error: config file ${path}: "${section}" must be a mapping of option names to values`);
    }
    for (const [inner, innerValue] of Object.entries(value as Values)) entries.push([inner, innerValue, section]);
  }
  // The section's keys come last, so they win over the top level's.
  entries.sort(([, , a], [, , b]) => (a === b ? 0 : a === '' ? -1 : 1));
  for (const [key, value, where] of entries) {
    const option = byName.get(key);
    const label = where ? `"${key}" (in "${where}")` : `"${key}"`;
    if (!option) {
      const hint = where ? '' : `; options of one program go under ${sectionNames}`;
      program.error(
        `error: config file ${path}: unknown option ${label}${hint} (expected one of: ${known.join(', ')})`,
      );
    }
    const name = option.attributeName();
    const source = program.getOptionValueSource(name);
    if (source !== 'default' && source !== 'config' && source !== undefined) continue;
    const raw = (Array.isArray(value) ? value : [value]).map(String).join(',');
    const text = interpolate(program, path, label, value, env);
    // A value taken from a variable may be a secret: errors then do not repeat it.
    const shown = text === raw ? `"${text}"` : '(value hidden: it comes from a variable)';
    program.setOptionValueWithSource(name, convert(program, path, label, option, text, shown), 'config');
  }
}

function readValues(program: Command, path: string): Values {
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
  return values as Values;
}

function interpolate(
  program: Command,
  path: string,
  label: string,
  value: unknown,
  env: ConfigFileOptions['env'],
): string {
  const parts = (Array.isArray(value) ? value : [value]).map(String);
  try {
    return parts.map((part) => interpolateVariables(part, env)).join(',');
  } catch (err) {
    if (!(err instanceof InterpolationError)) throw err;
    program.error(`error: config file ${path}: ${label}: ${err.message}`);
  }
}

function convert(program: Command, path: string, label: string, option: Option, text: string, shown: string): unknown {
  if (option.argChoices && !option.argChoices.includes(text)) {
    program.error(`error: config file ${path}: ${label} must be one of ${option.argChoices.join(', ')} (got ${shown})`);
  }
  if (!option.parseArg) return text;
  try {
    return option.parseArg(text, undefined);
  } catch (err) {
    program.error(`error: config file ${path}: ${label} value ${shown} is invalid. ${(err as Error).message}`);
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
