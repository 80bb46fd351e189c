// Top self-time functions of a V8 .cpuprofile (from `node --cpu-prof`), as a Markdown table.
// Usage: npx nx run bench:summarize-cpu-profile -- <file.cpuprofile> [--top 25]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { renderCpuProfileSummary, summarizeCpuProfile, type CpuProfile } from '../summarize-cpu-profile';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' } },
});
if (positionals.length !== 1) {
  console.error('usage: npx nx run bench:summarize-cpu-profile -- <file.cpuprofile> [--top 25]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(positionals[0], 'utf8')) as CpuProfile;
console.log(renderCpuProfileSummary(positionals[0], summarizeCpuProfile(profile, Number(values.top))));
