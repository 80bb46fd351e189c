// The report as Markdown tables: readable in a terminal, pasteable into a page.
import type { BenchOptions } from './read-bench-options';
import { format, type PipelineSummary, type Ratios, type StressResults, type TargetCheck } from './summarize-runs';

/** The machine a benchmark ran on, as the report states it. */
export interface MachineDescription {
  cpus: number;
  cpuModel: string | undefined;
  memoryGb: number;
  node: string;
  rabbitmq: string;
  postgres: string;
  loadAverage: string[];
}

/** What {@link renderReport} renders. */
export interface ReportInput {
  summaries: readonly PipelineSummary[];
  ratios: Ratios;
  targets: readonly TargetCheck[];
  stress: StressResults;
  options: Pick<BenchOptions, 'count' | 'naiveCount' | 'reps' | 'latencyCount' | 'latencyRate'>;
  machine: MachineDescription;
}

type Align = 'l' | 'r';

function table(header: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[]): string {
  const cells = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row: readonly string[]) =>
    `| ${row.map((cell, i) => (align[i] === 'r' ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (align[i] === 'r' ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join('\n');
}

function renderMeasurements(out: string[], { summaries, ratios, options }: Omit<ReportInput, 'machine'>): void {
  const latencyNaive = Math.min(options.latencyCount, options.naiveCount);
  out.push(
    `## Throughput and CPU (${format(options.count, 0)} readings; naive ${format(options.naiveCount, 0)}; median of ${options.reps})`,
    '',
    table(
      [
        'pipeline',
        'readings/s',
        'runs',
        'steady',
        'CPU s/10k: publisher',
        'consumer',
        'RabbitMQ',
        'Postgres',
        'total',
        'others (cores)',
      ],
      summaries.map((s) => [
        s.pipeline,
        format(s.readingsPerS, 0),
        s.readingsPerSRuns.map((v) => format(v, 0)).join(' / '),
        format(s.steadyReadingsPerS, 0),
        format(s.cpuPer10kS.publisher, 2),
        format(s.cpuPer10kS.consumer, 2),
        format(s.cpuPer10kS.rabbitmq, 2),
        format(s.cpuPer10kS.postgres, 2),
        format(s.cpuPer10kS.total, 2),
        format(s.otherLoadCores, 2),
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    'readings/s: first reading generated to last row stored. steady: between 10 % and 90 % of the rows (no start-up, no tail).',
    'others (cores): how many cores other work (other sessions) kept busy during the runs: the noise to keep in mind.',
    '',
    `## Latency and memory (latency: ${format(options.latencyCount, 0)} readings at ${options.latencyRate}/s, naive ${format(latencyNaive, 0)}; single: one reading on the idle pipeline)`,
    '',
    table(
      [
        'pipeline',
        'p50 ms',
        'p99 ms',
        'max ms',
        'single ms',
        'peak RSS MB: publisher',
        'consumer',
        'publisher start-up CPU s',
      ],
      summaries.map((s) => [
        s.pipeline,
        format(s.latency.p50Ms, 0),
        format(s.latency.p99Ms, 0),
        format(s.latency.maxMs, 0),
        format(s.singleReadingMs, 0),
        format(s.peakRssMb.publisher, 0),
        format(s.peakRssMb.consumer, 0),
        format(s.publisherStartupCpuS, 2),
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    'Peak RSS: median over the throughput runs. Publisher start-up CPU: its whole CPU in an idle run (a few readings, one a second); the CPU per 10k above includes it once.',
    '',
    '## Ratios',
    '',
  );
  for (const [label, ratio] of [
    ['product / raw', ratios.productVsRaw],
    ['product / naive', ratios.productVsNaive],
  ] as const) {
    if (!ratio) continue;
    const perRep = ratio.perRepetition.map((v) => `${format(v, 2)}×`).join(', ');
    out.push(
      `- ${label} (${ratio.against}): ${format(ratio.ofMedians, 2)}× of the medians; per repetition ${perRep}; steady ${format(ratio.steadyOfMedians, 2)}×`,
    );
  }
}

function renderStress(out: string[], { backlog, blocked }: StressResults): void {
  if (backlog) {
    const b = backlog;
    out.push(
      '',
      `## Backlog: ${format(b.count, 0)} readings queued (${format(b.messages, 0)} messages), then drained`,
      '',
      `- published in ${format(b.publishS, 0)} s (publisher peak RSS ${format(b.publisherPeakRssMb, 0)} MB); drained in ${format(b.drainS, 0)} s = ${format(b.drainReadingsPerS, 0)} readings/s; consumer peak RSS ${format(b.consumerPeakRssMb, 0)} MB, ${format(b.consumerCpuPer10kS, 2)} CPU s/10k`,
    );
  }
  if (blocked) {
    const b = blocked;
    out.push(
      '',
      `## Blocked broker: ${format(b.count, 0)} readings, publishers blocked for ${b.blockedSeconds} s (a RabbitMQ node of the benchmark's own)`,
      '',
      `- blocked: ${b.blocked ? 'yes' : 'NO'} (rows at block ${format(b.rows.atBlock, 0)}, settled ${format(b.rows.settled, 0)}, at unblock ${format(b.rows.atUnblock, 0)}); publisher peak RSS ${format(b.publisherPeakBeforeBlockMb, 0)} MB before, ${format(b.publisherPeakDuringBlockMb, 0)} MB during the block; all stored ${format(b.recoveredInS, 1)} s after it, publisher exit ${b.publisherExitCode}`,
    );
  }
}

/** The report without the machine's line: tables of the measurements, the checks and the targets. */
export function renderReportBody(input: Omit<ReportInput, 'machine'>): string {
  const { summaries, targets, stress } = input;
  const out: string[] = [];
  if (summaries.length > 0) renderMeasurements(out, input);
  renderStress(out, stress);
  out.push(
    '',
    '## Targets (product)',
    '',
    table(
      ['target', 'measured', 'met'],
      targets.map((t) => [t.target, t.value, t.met === undefined ? '–' : t.met ? 'yes' : 'NO']),
      ['l', 'r', 'l'],
    ),
  );
  return out.join('\n').replace(/^\n+/, '');
}

/** The whole report, as text: {@link renderReportBody} and the machine it ran on. */
export function renderReport(input: ReportInput): string {
  const { machine } = input;
  return [
    renderReportBody(input),
    '',
    `Machine: ${machine.cpus} × ${machine.cpuModel ?? 'unknown CPU'}, ${machine.memoryGb} GB, Node ${machine.node}, RabbitMQ ${machine.rabbitmq}, Postgres ${machine.postgres}; load average at start ${machine.loadAverage.join(' ')}`,
  ].join('\n');
}
