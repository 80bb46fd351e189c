import { basename } from 'node:path';

/** The parts of a V8 `.cpuprofile` (from `node --cpu-prof`) that the summary reads. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self time of the busiest functions of a profile. */
export interface CpuProfileSummary {
  totalUs: number;
  busyUs: number;
  /** `function file:line` and its self time, busiest first. */
  functions: { name: string; selfUs: number }[];
}

/** Self time per function (`(idle)` left out), busiest first, at most `top` of them. */
export function summarizeCpuProfile(profile: CpuProfile, top: number): CpuProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  // Sample i lasted timeDeltas[i + 1]; the last sample's length is unknown, count it as the mean.
  const totalUs = profile.endTime - profile.startTime;
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i + 1] ?? totalUs / profile.samples.length;
    selfUs.set(id, (selfUs.get(id) ?? 0) + us);
  });
  const byFunction = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) continue;
    const where = frame.url ? `${basename(frame.url)}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const busy = [...byFunction].filter(([name]) => name !== '(idle)');
  return {
    totalUs,
    busyUs: busy.reduce((sum, [, us]) => sum + us, 0),
    functions: busy
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfUs: us })),
  };
}

/** The summary as a heading line and a Markdown table. */
export function renderCpuProfileSummary(file: string, summary: CpuProfileSummary): string {
  const lines = [
    `${file}: ${(summary.totalUs / 1e6).toFixed(2)} s profiled, ${(summary.busyUs / 1e6).toFixed(2)} s busy`,
    '',
    '| self ms | % of busy | function |',
    '|--:|--:|---|',
  ];
  for (const { name, selfUs } of summary.functions) {
    const share = ((selfUs / summary.busyUs) * 100).toFixed(1);
    lines.push(`| ${(selfUs / 1e3).toFixed(0)} | ${share} | ${name.replace(/\|/g, '\\|')} |`);
  }
  return lines.join('\n');
}
