import { connect, type ChannelModel } from 'amqplib';
import { Option, type Command } from 'commander';
import { topologyFor, type TopologyOptions } from '@sensors/messaging';
import { integerOption } from '@sensors/config';
import { redactUrl } from '@sensors/runtime';
import { formatDeadLetterReport, formatMigrationResult, formatReplayResult, reportToJson } from './format-dead-letters';
import { listDeadLetters } from './list-dead-letters';
import { deadLetterQueueState, migrateDeadLetterQueue } from './migrate-dead-letter-queue';
import { replayDeadLetters } from './replay-dead-letters';

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

/**
 * Lists the dead-letter queue (counts by reason and distinct id, samples), replays dead letters
 * into the main queue, or migrates a dead-letter queue declared by an earlier version, then
 * closes its connection. Resolves to the exit code: 0, or 1 after writing what went wrong to
 * `err` (nothing is lost either way: see `replayDeadLetters` and `migrateDeadLetterQueue`).
 */
export async function runDeadLettersCommand(
  config: { readonly amqp: { readonly urls: readonly string[] }; readonly topology: TopologyOptions },
  command: DeadLettersCommand,
  output: CommandOutput,
  open: (urls: readonly string[]) => Promise<ChannelModel> = connectToFirst,
): Promise<number> {
  const topology = topologyFor(config.topology);
  let connection: ChannelModel | undefined;
  try {
    connection = await open(config.amqp.urls);
    if (command.action === 'list') {
      const state = await deadLetterQueueState(connection, topology);
      if (state === 'missing') throw new Error(missingQueue(topology.deadLetterQueue));
      const report = await listDeadLetters(connection, topology, { sample: command.sample });
      output.out(
        command.json
          ? `${JSON.stringify(reportToJson(report, topology, state))}\n`
          : formatDeadLetterReport(report, topology, command.sample, state),
      );
    } else if (command.action === 'replay') {
      if ((await deadLetterQueueState(connection, topology)) === 'missing') {
        throw new Error(missingQueue(topology.deadLetterQueue));
      }
      const result = await replayDeadLetters(connection, topology, { reason: command.reason, limit: command.limit });
      output.out(
        command.json
          ? `${JSON.stringify({ queue: topology.deadLetterQueue, reason: command.reason ?? null, ...result })}\n`
          : formatReplayResult(result, topology, command.reason),
      );
    } else {
      const result = await migrateDeadLetterQueue(connection, topology);
      output.out(
        command.json
          ? `${JSON.stringify({ queue: topology.deadLetterQueue, ...result })}\n`
          : formatMigrationResult(result, topology),
      );
    }
    return 0;
  } catch (err) {
    output.err(`error: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

function missingQueue(queue: string): string {
  return `there is no queue "${queue}": nothing was dead-lettered through it yet, or --queue names another queue`;
}

async function connectToFirst(urls: readonly string[]): Promise<ChannelModel> {
  const failures: string[] = [];
  for (const url of urls) {
    try {
      // No Nagle: each dead letter is a basic.get round trip, which would otherwise wait ~40 ms
      // behind the copy sent before it (10× slower here).
      const connection = await connect(url, {
        clientProperties: { connection_name: 'sensors-consumer:dead-letters' },
        noDelay: true,
      });
      // Errors also reject the operation in progress; without a listener they would crash the process.
      connection.on('error', () => undefined);
      return connection;
    } catch (err) {
      failures.push(`${redactUrl(url)}: ${(err as Error).message}`);
    }
  }
  throw new Error(`cannot connect to RabbitMQ (${failures.join('; ')}); check --amqp-url or SENSORS_AMQP_URL`);
}
