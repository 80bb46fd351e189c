import { connect, type ChannelModel } from 'amqplib';
import { topologyFor, type TopologyOptions } from '@sensors/messaging';
import { redactUrl } from '@sensors/runtime';
import { DEAD_LETTER_CODES } from '@sensors/sensor-model';
import { formatDeadLetterReport, formatMigrationResult, formatReplayResult, reportToJson } from './format-dead-letters';
import { listDeadLetters } from './list-dead-letters';
import { deadLetterQueueState, migrateDeadLetterQueue } from './migrate-dead-letter-queue';
import { replayDeadLetters } from './replay-dead-letters';
import type { CommandOutput, DeadLettersCommand } from './dead-letters-options';

/**
 * The reasons `--reason` takes, those `describeDeadLetter` reads: the apps' codes, the broker's
 * own (`delivery-limit`, `expired`, `maxlen`, `rejected`) and `unknown`. Checked here, not with
 * the other options, so that a consumer's start does not load the reading's rules for them.
 */
const REASONS: readonly string[] = [
  ...new Set([...Object.values(DEAD_LETTER_CODES), 'expired', 'maxlen', 'rejected', 'unknown']),
];

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
  if (command.reason !== undefined && !REASONS.includes(command.reason)) {
    output.err(`error: --reason "${command.reason}" is not a dead-letter reason; use one of ${REASONS.join(', ')}\n`);
    return 1;
  }
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
