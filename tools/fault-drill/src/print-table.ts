import type { ScenarioResult } from './run-scenario';

const COLUMNS: { title: string; align: 'left' | 'right'; cell: (r: ScenarioResult) => string }[] = [
  { title: '#', align: 'left', cell: (r) => r.id },
  { title: 'scenario', align: 'left', cell: (r) => r.title },
  { title: 'confirmed', align: 'right', cell: (r) => r.confirmed },
  { title: 'stored', align: 'right', cell: (r) => String(r.stored) },
  { title: 'dead-lettered', align: 'right', cell: (r) => String(r.deadLettered) },
  { title: 'lost', align: 'right', cell: (r) => String(r.lost) },
  { title: 'duplicated', align: 'right', cell: (r) => String(r.duplicated) },
  { title: 'redelivered (absorbed)', align: 'right', cell: (r) => String(r.redeliveredAbsorbed) },
  { title: 'recover s', align: 'right', cell: (r) => seconds(r.recoverSeconds) },
  { title: 'catch-up s', align: 'right', cell: (r) => seconds(r.catchUpSeconds) },
  {
    title: 'result',
    align: 'left',
    cell: (r) => (r.skipped !== undefined ? 'SKIP' : r.passed ? 'PASS' : r.error ? 'ERROR' : 'FAIL'),
  },
];

function seconds(value: number | null): string {
  return value === null ? '—' : value.toFixed(1);
}

/** The drill's table, then a few lines per scenario: the faults, failed checks and notes. */
export function formatTable(results: readonly ScenarioResult[]): string {
  const cells = results.map((result) => COLUMNS.map((column) => column.cell(result)));
  const widths = COLUMNS.map((column, i) => Math.max(column.title.length, ...cells.map((row) => row[i].length)));
  const line = (values: string[]) =>
    `| ${values.map((value, i) => (COLUMNS[i].align === 'right' ? value.padStart(widths[i]) : value.padEnd(widths[i]))).join(' | ')} |`;
  const out = [
    line(COLUMNS.map((column) => column.title)),
    `|${widths.map((width, i) => (COLUMNS[i].align === 'right' ? `${'-'.repeat(width + 1)}:` : `:${'-'.repeat(width + 1)}`)).join('|')}|`,
    ...cells.map(line),
    '',
  ];
  for (const result of results) {
    out.push(`${result.id}. ${result.title} (${result.scope}; ${result.wallSeconds} s)`);
    for (const fault of result.faults) {
      out.push(
        `   fault "${fault.label}" ${((fault.end - fault.start) / 1000).toFixed(1)} s${fault.detail ? `: ${fault.detail}` : ''}; recover ${ms(fault.recoverMs)}, catch-up ${ms(fault.catchUpMs)}`,
      );
    }
    if (result.skipped !== undefined) out.push(`   skipped: ${result.skipped}`);
    if (result.error) out.push(`   ERROR: ${result.error}`);
    for (const check of result.checks) out.push(`   ${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}`);
    for (const note of result.notes) out.push(`   note: ${note}`);
  }
  return out.join('\n');
}

function ms(value: number | null): string {
  return value === null ? '—' : `${(value / 1000).toFixed(1)} s`;
}
