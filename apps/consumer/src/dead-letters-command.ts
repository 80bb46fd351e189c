import { connect, type ChannelModel } from 'amqplib';
import { Option, type Command } from 'commander';
import {
  inspectDeadLetters,
  replayDeadLetters,
  topologyFor,
  type DeadLetterReport,
  type ReplayResult,
  type Topology,
} from '@sensors/messaging';
import { integerOption, redactUrl, type SharedConfig } from '@sensors/runtime';

/** `consumer dead-letters list|replay` and its options. */
export interface DeadLettersCommand {
  action: 'list' | 'replay';
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

const PAYLOAD_CHARS = 200;

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
  if (action !== 'list' && action !== 'replay') {
    program.error(`error: "dead-letters" needs an action: "list" or "replay"${action ? `, not "${action}"` : ''}`);
  }
  const options = program.opts();
  const reason = options['reason'] as string | undefined;
  const limit = options['limit'] as number | undefined;
  if (action === 'list' && (reason !== undefined || limit !== undefined)) {
    program.error('error: --reason and --limit choose what "dead-letters replay" replays; "list" shows every reason');
  }
  return { action, sample: options['sample'] as number, reason, limit, json: options['json'] === true };
}

/**
 * Lists the dead-letter queue (counts by reason and samples) or replays dead letters into the
 * main queue, then closes its connection. Resolves to the exit code: 0, or 1 after writing what
 * went wrong to `err` (nothing is lost either way: see `replayDeadLetters`).
 */
export async function runDeadLettersCommand(
  config: SharedConfig,
  command: DeadLettersCommand,
  output: CommandOutput,
  open: (urls: readonly string[]) => Promise<ChannelModel> = connectToFirst,
): Promise<number> {
  const topology = topologyFor(config);
  let connection: ChannelModel | undefined;
  try {
    connection = await open(config.amqpUrls);
    if (command.action === 'list') {
      const report = await inspectDeadLetters(connection, topology, { sample: command.sample });
      output.out(
        command.json
          ? `${JSON.stringify(reportToJson(report, topology))}\n`
          : formatDeadLetterReport(report, topology, command.sample),
      );
    } else {
      const result = await replayDeadLetters(connection, topology, { reason: command.reason, limit: command.limit });
      output.out(
        command.json
          ? `${JSON.stringify({ queue: topology.deadLetterQueue, reason: command.reason ?? null, ...result })}\n`
          : formatReplayResult(result, topology, command.reason),
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

/** The report as a person reads it: counts by reason, then a few samples of each. */
export function formatDeadLetterReport(report: DeadLetterReport, topology: Topology, sample: number): string {
  if (report.total === 0) return `${topology.deadLetterQueue} is empty.\n`;
  const reasons = Object.entries(report.byReason).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  const width = Math.max('reason'.length, ...reasons.map(([reason]) => reason.length));
  const lines = [
    `${topology.deadLetterQueue}: ${report.total} dead letter${report.total === 1 ? '' : 's'}`,
    '',
    `  ${'reason'.padEnd(width)}  count`,
    ...reasons.map(([reason, count]) => `  ${reason.padEnd(width)}  ${String(count).padStart(5)}`),
  ];
  if (report.samples.length > 0) {
    lines.push('', `Samples (at most ${sample} per reason):`);
    for (const s of report.samples) {
      lines.push(
        '',
        `  ${safe(s.reason)}  message ${safe(s.messageId ?? '(no id)')}` +
          `${s.deadLetteredAt ? `  at ${safe(s.deadLetteredAt)}` : ''}` +
          `${s.sourceQueue ? `  from ${safe(s.sourceQueue)}` : ''}`,
      );
      if (s.error) lines.push(`    error:   ${safe(s.error)}`);
      if (s.fields.length > 0) lines.push(`    fields:  ${safe(s.fields.join(', '))}`);
      if (s.contentType) lines.push(`    type:    ${safe(s.contentType)}`);
      lines.push(`    payload: ${describePayload(s.payload)}`);
    }
  }
  lines.push(
    '',
    'Fix the cause, then replay: consumer dead-letters replay [--reason CODE] [--limit N].',
    'Readings already stored are counted as duplicates and change nothing.',
  );
  return `${lines.join('\n')}\n`;
}

/** One line saying how many dead letters went back to the main queue and how many stayed. */
export function formatReplayResult(result: ReplayResult, topology: Topology, reason: string | undefined): string {
  const what = `${result.replayed} dead letter${result.replayed === 1 ? '' : 's'}${reason ? ` with reason ${reason}` : ''}`;
  return (
    `Replayed ${what} to exchange ${topology.exchange} (routing key ${topology.routingKey}); ` +
    `${result.kept} looked at and left in ${topology.deadLetterQueue}.\n`
  );
}

function reportToJson(report: DeadLetterReport, topology: Topology) {
  return {
    queue: topology.deadLetterQueue,
    total: report.total,
    byReason: report.byReason,
    samples: report.samples.map((s) => {
      const { payload, ...rest } = s;
      const { text, truncated } = payloadText(payload);
      return { ...rest, bytes: payload.length, payload: text, truncated };
    }),
  };
}

/** The payload as text, cut short so that a 1 MiB message does not flood the terminal. */
export function describePayload(payload: Buffer): string {
  if (payload.length === 0) return '(empty)';
  const { text, truncated } = payloadText(payload);
  return `${safe(text)}${truncated ? '…' : ''} (${payload.length} bytes)`;
}

function payloadText(payload: Buffer): { text: string; truncated: boolean } {
  // Decoding only the start keeps a huge payload cheap; a character takes at most 4 bytes.
  const characters = Array.from(payload.subarray(0, PAYLOAD_CHARS * 4 + 4).toString('utf8'));
  return { text: characters.slice(0, PAYLOAD_CHARS).join(''), truncated: characters.length > PAYLOAD_CHARS };
}

/** Escapes control and bidirectional-override characters, which could rewrite what a terminal shows. */
function safe(text: string): string {
  return text.replace(
    /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

async function connectToFirst(urls: readonly string[]): Promise<ChannelModel> {
  const failures: string[] = [];
  for (const url of urls) {
    try {
      const connection = await connect(url, { clientProperties: { connection_name: 'sensors-consumer:dead-letters' } });
      // Errors also reject the operation in progress; without a listener they would crash the process.
      connection.on('error', () => undefined);
      return connection;
    } catch (err) {
      failures.push(`${redactUrl(url)}: ${(err as Error).message}`);
    }
  }
  throw new Error(`cannot connect to RabbitMQ (${failures.join('; ')}); check --amqp-url or AMQP_URL`);
}
