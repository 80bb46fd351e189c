import { renderCpuProfileSummary, summarizeCpuProfile, type CpuProfile } from '../src/summarize-cpu-profile';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)') },
    { id: 2, callFrame: frame('(idle)') },
    { id: 3, callFrame: frame('parse', 'file:///dist/apps/consumer/main.js', 41) },
    { id: 4, callFrame: frame('', 'file:///dist/apps/consumer/main.js', 9) },
    { id: 5, callFrame: frame('parse', 'file:///dist/apps/consumer/main.js', 41) },
  ],
  startTime: 0,
  endTime: 10_000,
  samples: [3, 2, 4, 5, 3],
  timeDeltas: [0, 1000, 4000, 1000, 2000],
};

describe('summarizeCpuProfile', () => {
  it('adds up self time per function and line, idle left out, busiest first', () => {
    const summary = summarizeCpuProfile(profile, 10);
    expect(summary.totalUs).toBe(10_000);
    // Sample i lasted timeDeltas[i + 1]; the last one the mean, 2000 µs.
    expect(summary.functions).toEqual([
      { name: 'parse main.js:42', selfUs: 1000 + 2000 + 2000 },
      { name: '(anonymous) main.js:10', selfUs: 1000 },
    ]);
    expect(summary.busyUs).toBe(6000);
  });

  it('keeps the `top` busiest', () => {
    expect(summarizeCpuProfile(profile, 1).functions).toHaveLength(1);
  });
});

describe('renderCpuProfileSummary', () => {
  it('renders a Markdown table with shares of the busy time', () => {
    const text = renderCpuProfileSummary('a.cpuprofile', summarizeCpuProfile(profile, 10));
    expect(text.split('\n')).toEqual([
      'a.cpuprofile: 0.01 s profiled, 0.01 s busy',
      '',
      '| self ms | % of busy | function |',
      '|--:|--:|---|',
      '| 5 | 83.3 | parse main.js:42 |',
      '| 1 | 16.7 | (anonymous) main.js:10 |',
    ]);
  });
});
