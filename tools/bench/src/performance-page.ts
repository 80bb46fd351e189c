// The dated performance page (docs/performance.md): a benchmark writes its report there as a
// section of its own, `## <date>: <what> (`<command>`)`, replacing the section of the same date
// and command, so that rerunning a command on the same day refreshes its figures in place.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

/** One benchmark's section of the page. */
export interface PageSection {
  /** `YYYY-MM-DD`, UTC. */
  date: string;
  /** What was measured, in a few words. */
  what: string;
  /** The command that produced it, as someone would type it again. */
  command: string;
  /** The machine and the run's times: a paragraph under the heading. */
  machine: string;
  /** The report, Markdown; its headings are moved one level down, under the section's. */
  report: string;
}

/** The machine a benchmark ran on, as a page section states it. */
export interface PageMachine {
  cpus: number;
  cpuModel?: string;
  memoryGb: number;
  node: string;
  rabbitmq?: string;
  postgres?: string;
  loadAverageStart: readonly string[];
  loadAverageEnd: readonly string[];
  startedAt: Date;
  finishedAt: Date;
  commit?: string;
  uncommittedFiles?: number;
}

const HEADING = /^## (\d{4}-\d{2}-\d{2}): .* \(`(.+)`\)\s*$/;
const FENCE = /^\s*(```|~~~)/;
const NEW_PAGE = `# Performance figures

Measured figures, one dated section each, with the command that produced them and the
machine's load when it ran.
`;

/** The lines of `markdown`, each with whether it is inside a fenced code block (fences included). */
function linesWithFences(markdown: string): { line: string; code: boolean }[] {
  let inFence = false;
  return markdown.split('\n').map((line) => {
    if (FENCE.test(line)) {
      inFence = !inFence;
      return { line, code: true };
    }
    return { line, code: inFence };
  });
}

/** `markdown` with every heading one level deeper (`## a` becomes `### a`); code blocks untouched. */
export function demoteHeadings(markdown: string): string {
  return linesWithFences(markdown)
    .map(({ line, code }) => (!code && /^#{1,5} /.test(line) ? `#${line}` : line))
    .join('\n');
}

/** The section as Markdown: heading, machine, the command to run again, the report. */
export function renderPageSection(section: PageSection): string {
  return [
    `## ${section.date}: ${section.what} (\`${section.command}\`)`,
    '',
    section.machine.trim(),
    '',
    '```sh',
    section.command,
    '```',
    '',
    demoteHeadings(section.report.trim()),
    '',
  ].join('\n');
}

/**
 * `page` with `section` in it: in place of the section of the same date and command if there is
 * one, else appended at the end (the page reads oldest first). Other sections are kept as they are.
 */
export function upsertPageSection(page: string, section: PageSection): string {
  const rendered = renderPageSection(section);
  const lines = linesWithFences(page);
  const isTopHeading = (i: number) => !lines[i].code && /^#{1,2} /.test(lines[i].line);
  const start = lines.findIndex(({ line, code }) => {
    const match = code ? null : HEADING.exec(line);
    return match !== null && match[1] === section.date && match[2] === section.command;
  });
  if (start === -1) return `${page.trimEnd()}\n\n${rendered}`;
  let end = start + 1;
  while (end < lines.length && !isTopHeading(end)) end++;
  const text = (from: number, to?: number) => lines.slice(from, to).map((l) => l.line);
  return [...text(0, start), ...rendered.split('\n'), ...text(end)].join('\n').replace(/\n*$/, '\n');
}

const URL_PASSWORD = /(\w+:\/\/[^:/@\s]*:)[^@\s]*@/g;

/**
 * The command as it can be run again: `base`, then the `BENCH_*` variables that were set and the
 * arguments, without the page flag itself (a rerun into another page is the same measurement);
 * passwords in URLs masked.
 */
export function describeCommand(
  base: string,
  argv: readonly string[],
  env: NodeJS.ProcessEnv = {},
  pageFlag = '--page',
): string {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === pageFlag) i++;
    else if (!argv[i].startsWith(`${pageFlag}=`)) args.push(argv[i]);
  }
  const variables = Object.entries(env)
    .filter(([name, value]) => /^BENCH_/.test(name) && name !== 'BENCH_PAGE' && value !== undefined && value !== '')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${name}=${quoteArg(value ?? '')}`);
  const command = [...variables, base, ...(args.length > 0 ? ['--', ...args.map(quoteArg)] : [])].join(' ');
  return command.replace(URL_PASSWORD, '$1***@');
}

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The machine paragraph of a section. */
export function renderPageMachine(m: PageMachine): string {
  const time = (d: Date) => d.toISOString().slice(11, 16);
  const source =
    m.commit === undefined
      ? ''
      : ` from commit ${m.commit}${m.uncommittedFiles ? ` (${m.uncommittedFiles} files uncommitted)` : ''}`;
  const versions = [
    `Node ${m.node}`,
    ...(m.rabbitmq ? [`RabbitMQ ${m.rabbitmq}`] : []),
    ...(m.postgres ? [`Postgres ${m.postgres}`] : []),
  ].join(', ');
  return [
    `Written by the benchmark, ${time(m.startedAt)}–${time(m.finishedAt)} UTC${source}.`,
    `Machine: ${m.cpus} cores (${m.cpuModel ?? 'unknown CPU'}), ${m.memoryGb} GB; ${versions};`,
    `load average ${m.loadAverageStart.join(' ')} at the start, ${m.loadAverageEnd.join(' ')} at the end.`,
  ].join('\n');
}

/** This machine's cores, memory, load average and Node version, for {@link PageMachine}. */
export function currentMachine(): Pick<PageMachine, 'cpus' | 'cpuModel' | 'memoryGb' | 'node'> & {
  loadAverage: string[];
} {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim(),
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverage: loadavg().map((v) => v.toFixed(2)),
  };
}

/** Writes `section` into the page at `path` (created when missing); see {@link upsertPageSection}. */
export function writePageSection(path: string, section: PageSection): void {
  const page = existsSync(path) ? readFileSync(path, 'utf8') : NEW_PAGE;
  writeFileSync(path, upsertPageSection(page, section));
}
