import { Option, type Command } from 'commander';
import { integerOption } from '@sensors/config';

// Apart from the command, which loads amqplib and the messaging library: the consumer's
// configuration reads these on every start, `--help` included.

const ACTIONS = ['list', 'replay', 'migrate'] as const;

/** `consumer dead-letters list|replay|migrate` and its options. */
export interface DeadLettersCommand {
  action: (typeof ACTIONS)[number];
  /** list: samples shown per reason. */
  sample: number;
  /** replay: only the dead letters with this reason. */
  reason?: string;
  /** replay: at most this many. */
  limit?: number;
  /** Print JSON instead of tables. */
  json: boolean;
}

/** Where the command writes: standard output and standard error, or fakes in tests. */
export interface CommandOutput {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** The command-line options of `dead-letters`, added to the consumer's program. */
export function deadLettersOptions(): Option[] {
  return [
    new Option('--sample <n>', 'dead-letters list: payloads shown per reason').default(3).argParser(integerOption(0)),
    new Option('--reason <code>', 'dead-letters replay: only the dead letters with this reason (default: all)'),
    new Option('--limit <n>', 'dead-letters replay: at most this many (default: all)').argParser(integerOption(1)),
    new Option('--json', 'dead-letters: print JSON instead of tables').default(false),
  ];
}

/** Reads the `dead-letters` action and its options from a parsed program, stopping it on a mistake. */
export function readDeadLettersCommand(program: Command, action: string | undefined): DeadLettersCommand {
  if (!ACTIONS.some((known) => known === action)) {
    program.error(
      `error: "dead-letters" needs an action: "list", "replay" or "migrate"${action ? `, not "${action}"` : ''}`,
    );
  }
  const options = program.opts();
  const reason = options['reason'] as string | undefined;
  const limit = options['limit'] as number | undefined;
  if (action !== 'replay' && (reason !== undefined || limit !== undefined)) {
    program.error(`error: --reason and --limit choose what "dead-letters replay" replays; "${action}" takes neither`);
  }
  return {
    action: action as DeadLettersCommand['action'],
    sample: options['sample'] as number,
    reason,
    limit,
    json: options['json'] === true,
  };
}
