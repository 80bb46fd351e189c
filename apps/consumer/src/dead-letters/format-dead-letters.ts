import { DEAD_LETTER_DELIVERY_LIMIT, type Topology } from '@sensors/messaging';
import type { DeadLetterReport } from './list-dead-letters';
import type { DeadLetterQueueState, MigrationResult } from './migrate-dead-letter-queue';
import type { ReplayResult } from './replay-dead-letters';

const PAYLOAD_CHARS = 200;

/**
 * The report as a person reads it: counts by reason (with the distinct message ids beside them
 * when some message is there more than once), then a few samples of each. `state` adds a note
 * when the queue was declared by an earlier version.
 */
export function formatDeadLetterReport(
  report: DeadLetterReport,
  topology: Topology,
  sample: number,
  state: DeadLetterQueueState = 'current',
): string {
  const note = state === 'earlier' ? [earlierDeclarationNote(topology)] : [];
  if (report.total === 0) return [`${topology.deadLetterQueue} is empty.`, ...note, ''].join('\n');
  const reasons = Object.entries(report.byReason).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  const width = Math.max('reason'.length, ...reasons.map(([reason]) => reason.length));
  const copies = report.distinctIds < report.total;
  const distinct = (reason: string) => String(report.distinctIdsByReason[reason] ?? 0).padStart(12);
  const lines = [
    `${topology.deadLetterQueue}: ${report.total} dead letter${report.total === 1 ? '' : 's'}`,
    `${report.distinctIds} distinct message id${report.distinctIds === 1 ? '' : 's'}` +
      (copies
        ? ': some messages are here more than once (dead-lettering is at-least-once); replay sends each once'
        : ''),
    '',
    `  ${'reason'.padEnd(width)}  count${copies ? '  distinct ids' : ''}`,
    ...reasons.map(
      ([reason, count]) =>
        `  ${reason.padEnd(width)}  ${String(count).padStart(5)}${copies ? `  ${distinct(reason)}` : ''}`,
    ),
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
    ...note,
  );
  return `${lines.join('\n')}\n`;
}

/** The report as one JSON object: payloads cut to 200 characters, with their size in bytes. */
export function reportToJson(report: DeadLetterReport, topology: Topology, state: DeadLetterQueueState = 'current') {
  return {
    queue: topology.deadLetterQueue,
    total: report.total,
    distinctIds: report.distinctIds,
    byReason: report.byReason,
    distinctIdsByReason: report.distinctIdsByReason,
    declaredByEarlierVersion: state === 'earlier',
    samples: report.samples.map((s) => {
      const { payload, ...rest } = s;
      const { text, truncated } = payloadText(payload);
      return { ...rest, bytes: payload.length, payload: text, truncated };
    }),
  };
}

/** One line saying how many dead letters went back to the main queue, how many copies went, and how many stayed. */
export function formatReplayResult(result: ReplayResult, topology: Topology, reason: string | undefined): string {
  const what = `${result.replayed} dead letter${result.replayed === 1 ? '' : 's'}${reason ? ` with reason ${reason}` : ''}`;
  const copies =
    result.duplicates > 0
      ? ` Removed ${result.duplicates} further cop${result.duplicates === 1 ? 'y' : 'ies'} of messages replayed (same id and payload).`
      : '';
  return (
    `Replayed ${what} to exchange ${topology.exchange} (routing key ${topology.routingKey}); ` +
    `${result.kept} looked at and left in ${topology.deadLetterQueue}.${copies}\n`
  );
}

/** One line saying what the migration found and did. */
export function formatMigrationResult(result: MigrationResult, topology: Topology): string {
  const queue = topology.deadLetterQueue;
  switch (result.outcome) {
    case 'created':
      return `${queue} did not exist: declared it.\n`;
    case 'current':
      return `${queue} is already declared the way this version declares it: nothing to do.\n`;
    case 'migrated':
      return (
        `${queue} redeclared` +
        (topology.queueType === 'quorum' ? ` with x-delivery-limit ${DEAD_LETTER_DELIVERY_LIMIT}` : '') +
        `; ${result.moved} dead letter${result.moved === 1 ? '' : 's'} kept.\n`
      );
  }
}

/** The payload as text, cut short so that a 1 MiB message does not flood the terminal. */
export function describePayload(payload: Buffer): string {
  if (payload.length === 0) return '(empty)';
  const { text, truncated } = payloadText(payload);
  return `${safe(text)}${truncated ? '…' : ''} (${payload.length} bytes)`;
}

function earlierDeclarationNote(topology: Topology): string {
  return (
    `Note: ${topology.deadLetterQueue} was declared by an earlier version, without a delivery limit of its own; ` +
    'run "consumer dead-letters migrate" once (see "Dead letters" in the README).'
  );
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
