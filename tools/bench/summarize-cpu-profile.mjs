// Top self-time functions of a V8 .cpuprofile (from `node --cpu-prof`), as a Markdown table.
// Usage: node tools/bench/summarize-cpu-profile.mjs <file.cpuprofile> [--top 25]
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' } },
});
if (positionals.length !== 1) {
  console.error('usage: node tools/bench/summarize-cpu-profile.mjs <file.cpuprofile> [--top 25]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
// Sample i lasted timeDeltas[i + 1]; the last sample's length is unknown, count it as the mean.
const selfUs = new Map();
const total = profile.endTime - profile.startTime;
profile.samples.forEach((id, i) => {
  const us = profile.timeDeltas[i + 1] ?? total / profile.samples.length;
  selfUs.set(id, (selfUs.get(id) ?? 0) + us);
});
const byFunction = new Map();
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id).callFrame;
  const key = `${functionName || '(anonymous)'} ${url ? `${basename(url)}:${lineNumber + 1}` : ''}`.trim();
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
}
const busyFunctions = [...byFunction].filter(([key]) => key !== '(idle)');
const busy = busyFunctions.reduce((sum, [, us]) => sum + us, 0);
console.log(`${positionals[0]}: ${(total / 1e6).toFixed(2)} s profiled, ${(busy / 1e6).toFixed(2)} s busy\n`);
console.log('| self ms | % of busy | function |\n|--:|--:|---|');
for (const [key, us] of busyFunctions.sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) {
  console.log(`| ${(us / 1e3).toFixed(0)} | ${((us / busy) * 100).toFixed(1)} | ${key.replace(/\|/g, '\\|')} |`);
}
