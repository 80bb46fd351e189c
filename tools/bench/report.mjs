// Turns the runs into medians, ratios and target checks, and prints them as Markdown tables
// (readable in a terminal, pasteable into a README).

export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const per10k = (run, seconds) => (seconds / run.count) * 10_000;

/** Medians per pipeline over its repetitions. */
export function summarizePipeline(name, runs) {
  const throughput = runs.filter((r) => r.kind === 'throughput');
  const latency = runs.filter((r) => r.kind === 'latency');
  const cpu = (part) => median(throughput.map((r) => per10k(r, part(r.cpuS))));
  const probes = latency.flatMap((r) => r.probeLatencyMs);
  return {
    pipeline: name,
    count: throughput[0]?.count,
    readingsPerS: median(throughput.map((r) => r.readingsPerS)),
    readingsPerSRuns: throughput.map((r) => r.readingsPerS),
    steadyReadingsPerS: median(throughput.map((r) => r.steadyReadingsPerS)),
    otherLoadCores: median(throughput.map((r) => r.otherLoadCores)),
    cpuPer10kS: {
      publisher: cpu((c) => c.publisher),
      consumer: cpu((c) => c.consumer),
      rabbitmq: cpu((c) => c.rabbitmq),
      postgres: cpu((c) => c.postgres),
      total: cpu((c) => c.publisher + c.consumer + c.rabbitmq + c.postgres),
    },
    publisherStartupCpuS: median(latency.map((r) => r.probePublisherCpuS)),
    peakRssMb: {
      publisher: median(throughput.map((r) => r.peakRssMb.publisher)),
      consumer: median(throughput.map((r) => r.peakRssMb.consumer)),
      publisherMax: Math.max(...throughput.map((r) => r.peakRssMb.publisher)),
      consumerMax: Math.max(...throughput.map((r) => r.peakRssMb.consumer)),
    },
    latency: {
      count: latency[0]?.count,
      rate: latency[0]?.rate,
      p50Ms: median(latency.map((r) => r.latencyMs.p50)),
      p99Ms: median(latency.map((r) => r.latencyMs.p99)),
      maxMs: median(latency.map((r) => r.latencyMs.max)),
      achievedPerS: median(latency.map((r) => r.readingsPerS)),
    },
    singleReadingMs: median(probes),
    singleReadingRunsMs: probes,
  };
}

/**
 * product ÷ the fastest hand-written pipeline (envelopes, or one reading per message on either queue type) and product ÷ naive: the ratio of the medians, and the
 * ratio within each repetition (the pipelines of a repetition ran back to back, so these hold
 * however the machine's load drifted between repetitions).
 */
export function computeRatios(summaries, runs) {
  const by = Object.fromEntries(summaries.map((s) => [s.pipeline, s]));
  const raws = ['raw-envelope', 'raw-classic', 'raw-quorum'].filter((name) => by[name]?.readingsPerS);
  const bestRaw = raws.sort((a, b) => by[b].readingsPerS - by[a].readingsPerS)[0];
  const perRep = (other) => {
    const reps = [...new Set(runs.map((r) => r.rep))];
    return reps
      .map((rep) => {
        const rate = (name) =>
          runs.find((r) => r.pipeline === name && r.rep === rep && r.kind === 'throughput')?.readingsPerS;
        return rate('product') / rate(other);
      })
      .filter(Number.isFinite);
  };
  const ratio = (other) =>
    other && by.product?.readingsPerS && by[other]?.readingsPerS
      ? {
          against: other,
          ofMedians: by.product.readingsPerS / by[other].readingsPerS,
          perRepetition: perRep(other),
          steadyOfMedians: by.product.steadyReadingsPerS / by[other].steadyReadingsPerS,
        }
      : undefined;
  return { productVsRaw: ratio(bestRaw), productVsNaive: ratio(by.naive ? 'naive' : undefined) };
}

/** The issue's targets, checked against the product's figures. */
export function checkTargets(summaries, ratios, stress) {
  const product = summaries.find((s) => s.pipeline === 'product') ?? { latency: {}, peakRssMb: {} };
  const check = (target, value, ok, unit = '') => ({
    target,
    value: value === undefined ? 'not measured' : `${format(value)}${unit}`,
    met: value === undefined ? undefined : ok(value),
  });
  return [
    check('product ≥ 0.9 × the fastest hand-written pipeline', ratios.productVsRaw?.ofMedians, (v) => v >= 0.9, '×'),
    check('product ≥ 25 × naive', ratios.productVsNaive?.ofMedians, (v) => v >= 25, '×'),
    check(`p50 latency ≤ 30 ms at ${product.latency.rate ?? '?'}/s`, product.latency.p50Ms, (v) => v <= 30, ' ms'),
    check(`p99 latency ≤ 150 ms at ${product.latency.rate ?? '?'}/s`, product.latency.p99Ms, (v) => v <= 150, ' ms'),
    check('single reading on an idle system ≤ 50 ms', product.singleReadingMs, (v) => v <= 50, ' ms'),
    check(
      'publisher peak RSS ≤ 150 MB (throughput runs, highest)',
      product.peakRssMb.publisherMax,
      (v) => v <= 150,
      ' MB',
    ),
    check(
      'consumer peak RSS ≤ 150 MB (throughput runs, highest)',
      product.peakRssMb.consumerMax,
      (v) => v <= 150,
      ' MB',
    ),
    check('consumer peak RSS ≤ 150 MB draining the backlog', stress.backlog?.consumerPeakRssMb, (v) => v <= 150, ' MB'),
    check(
      'publisher peak RSS ≤ 150 MB while blocked',
      stress.blocked?.publisherPeakDuringBlockMb,
      (v) => v <= 150,
      ' MB',
    ),
  ];
}

export function format(value, digits) {
  if (value === undefined || value === null || Number.isNaN(value)) return '–';
  if (digits === undefined) digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function table(header, rows, align) {
  const cells = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row) =>
    `| ${row.map((cell, i) => (align[i] === 'r' ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (align[i] === 'r' ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join('\n');
}

function renderMeasurements(out, { summaries, ratios, options }) {
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
  ]) {
    if (!ratio) continue;
    const perRep = ratio.perRepetition.map((v) => `${format(v, 2)}×`).join(', ');
    out.push(
      `- ${label} (${ratio.against}): ${format(ratio.ofMedians, 2)}× of the medians; per repetition ${perRep}; steady ${format(ratio.steadyOfMedians, 2)}×`,
    );
  }
}

function renderStress(out, stress) {
  if (stress.backlog) {
    const b = stress.backlog;
    out.push(
      '',
      `## Backlog: ${format(b.count, 0)} readings queued (${format(b.messages, 0)} messages), then drained`,
      '',
      `- published in ${format(b.publishS, 0)} s (publisher peak RSS ${format(b.publisherPeakRssMb, 0)} MB); drained in ${format(b.drainS, 0)} s = ${format(b.drainReadingsPerS, 0)} readings/s; consumer peak RSS ${format(b.consumerPeakRssMb, 0)} MB, ${format(b.consumerCpuPer10kS, 2)} CPU s/10k`,
    );
  }
  if (stress.blocked) {
    const b = stress.blocked;
    out.push(
      '',
      `## Blocked broker: ${format(b.count, 0)} readings, publishers blocked for ${b.blockedSeconds} s`,
      '',
      `- blocked: ${b.blocked ? 'yes' : 'NO'} (rows at block ${format(b.rows.atBlock, 0)}, settled ${format(b.rows.settled, 0)}, at unblock ${format(b.rows.atUnblock, 0)}); publisher peak RSS ${format(b.publisherPeakBeforeBlockMb, 0)} MB before, ${format(b.publisherPeakDuringBlockMb, 0)} MB during the block; all stored ${format(b.recoveredInS, 1)} s after it, publisher exit ${b.publisherExitCode}`,
    );
  }
}

/** The whole report, as text. */
export function renderReport({ summaries, ratios, targets, stress, options, machine }) {
  const out = [];
  if (summaries.length > 0) renderMeasurements(out, { summaries, ratios, options });
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
    '',
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node}, RabbitMQ ${machine.rabbitmq}, Postgres ${machine.postgres}; load average at start ${machine.loadAverage.join(' ')}`,
  );
  return out.join('\n').replace(/^\n+/, '');
}
