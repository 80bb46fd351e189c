import { rateSeries, rateWindowS, renderChart } from '../src/render-chart';
import { runResult } from './run-result.fixture';

const samples = Array.from({ length: 21 }, (_, i) => ({ t: i * 0.25, rows: i * 2500 }));

describe('rateWindowS', () => {
  it('is a second for runs of 5 s and more, a fifth of a shorter run, at least 0.25 s', () => {
    expect(rateWindowS(samples)).toBe(1);
    expect(rateWindowS(samples.slice(0, 9))).toBe(0.4);
    expect(rateWindowS(samples.slice(0, 2))).toBe(0.25);
  });
});

describe('rateSeries', () => {
  it('gives the rate over the preceding window at each sample', () => {
    const points = rateSeries(samples);
    expect(points).toHaveLength(20);
    for (const point of points) expect(point.rate).toBeCloseTo(10_000);
  });

  it('reaches the run rate in a short run', () => {
    const short = [
      { t: 0, rows: 0 },
      { t: 0.25, rows: 1000 },
      { t: 0.5, rows: 3000 },
      { t: 0.75, rows: 5000 },
    ];
    expect(Math.max(...rateSeries(short).map((p) => p.rate))).toBe(8000);
  });
});

describe('renderChart', () => {
  const svg = renderChart(
    [
      { ...runResult({ readingsPerS: 10_000 }), samples },
      { ...runResult({ pipeline: 'naive & co <1>', readingsPerS: 500 }), samples },
    ],
    { title: 'Readings stored per second', subtitle: 'median run of 1' },
  );

  it('draws a line and a dashed end-to-end rate per pipeline', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg.match(/stroke-dasharray="6 4"/g)).toHaveLength(2);
    expect(svg).toContain('<path d="M');
    expect(svg).toContain('stroke="#d62728"');
  });

  it('states each rate in the legend, escaped', () => {
    expect(svg).toContain('product: 10,000 readings/s end to end');
    expect(svg).toContain('naive &amp; co &lt;1&gt;: 500 readings/s end to end');
    expect(svg).toContain('(1 s window; dashed: end to end)');
  });
});
