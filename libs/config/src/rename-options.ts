import { Option, type Command } from 'commander';

/**
 * An old option name that was given, and the name that replaces it, as written where it was
 * given: flags (`--max-in-flight`) on the command line, keys (`max-in-flight`) in the config file.
 */
export interface RenamedOption {
  option: string;
  replacement: string;
  origin: 'command line' | 'config file';
}

/** Where a value came from, weakest first: a value from a stronger place wins. */
const STRENGTH = [undefined, 'default', 'config', 'env', 'cli'];

/**
 * Adds a hidden alias for each earlier long name of an option (`renamed`: new flag → old flag,
 * e.g. `{ '--max-unconfirmed': '--max-in-flight' }`), parsed as the option it stands for, so the
 * old flag and the old config file key are still accepted. Call it before `program.parse()`.
 * Throws when a new flag is not among `options`.
 */
export function addRenamedOptions(
  program: Command,
  options: readonly Option[],
  renamed: Readonly<Record<string, string>>,
): void {
  for (const [flag, oldFlag] of Object.entries(renamed)) {
    const option = options.find((o) => o.long === flag);
    if (!option) throw new Error(`renamed option ${flag} is not an option of ${program.name()}`);
    const alias = new Option(option.flags.replace(flag, oldFlag), option.description).hideHelp();
    if (option.parseArg) alias.argParser(option.parseArg);
    if (option.argChoices) alias.choices(option.argChoices);
    program.addOption(alias);
  }
}

/**
 * Moves each value given under an old name (see {@link addRenamedOptions}) to its replacement,
 * unless the replacement was given somewhere as strong or stronger (flags, then the environment,
 * then the config file): the new name wins a tie. Call it once every source has been read.
 * Returns the old names that were given, for a warning.
 */
export function applyRenamedOptions(program: Command, renamed: Readonly<Record<string, string>>): RenamedOption[] {
  const used: RenamedOption[] = [];
  for (const [flag, oldFlag] of Object.entries(renamed)) {
    const name = attributeName(program, flag);
    const oldName = attributeName(program, oldFlag);
    const oldSource = program.getOptionValueSource(oldName);
    if (oldSource !== 'cli' && oldSource !== 'config') continue;
    used.push(
      oldSource === 'cli'
        ? { option: oldFlag, replacement: flag, origin: 'command line' }
        : { option: oldFlag.replace(/^--/, ''), replacement: flag.replace(/^--/, ''), origin: 'config file' },
    );
    if (STRENGTH.indexOf(oldSource) > STRENGTH.indexOf(program.getOptionValueSource(name))) {
      program.setOptionValueWithSource(name, program.getOptionValue(oldName), oldSource);
    }
  }
  return used;
}

function attributeName(program: Command, flag: string): string {
  const option = program.options.find((o) => o.long === flag);
  if (!option) throw new Error(`renamed option ${flag} is not an option of ${program.name()}`);
  return option.attributeName();
}
