// Readings stored per second over time, one line per pipeline, as a self-contained SVG.
import type { RowSample } from './measure-pipeline';

const WIDTH = 960;
const HEIGHT = 520;
const MARGIN = { top: 56, right: 24, bottom: 56, left: 80 };
const COLORS: Record<string, string> = {
  product: '#d62728',
  'raw-envelope': '#ff7f0e',
  'raw-classic': '#1f77b4',
  'raw-quorum': '#2ca02c',
  naive: '#7f7f7f',
};
const FALLBACK_COLORS = ['#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** One line of the chart: a pipeline's throughput run (the benchmark passes its median run). */
export interface ChartLine {
  pipeline: string;
  readingsPerS: number;
  samples: readonly RowSample[];
}

/** A point of a line: readings/s at `t` seconds. */
export interface RatePoint {
  t: number;
  rate: number;
}

/**
 * The rate is taken over a window of row-count samples, to smooth out batch steps: a second, or
 * a fifth of the run when it is shorter (a run of 1.3 s smoothed over 1 s never reaches its
 * own rate: the window then spans mostly start-up).
 */
export function rateWindowS(samples: readonly RowSample[]): number {
  const span = samples.at(-1)?.t ?? 0;
  return Math.min(1, Math.max(0.25, span / 5));
}

/** Readings/s at each sample, over the preceding window. */
export function rateSeries(samples: readonly RowSample[], windowS = rateWindowS(samples)): RatePoint[] {
  const points: RatePoint[] = [];
  let from = 0;
  for (let i = 1; i < samples.length; i++) {
    while (from + 1 < i && samples[i].t - samples[from + 1].t >= windowS) from++;
    const dt = samples[i].t - samples[from].t;
    if (dt > 0) points.push({ t: samples[i].t, rate: (samples[i].rows - samples[from].rows) / dt });
  }
  return points;
}

/** A round step giving about `target` ticks over [0, max]. */
function tickStep(max: number, target: number): number {
  const raw = max / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((step) => step >= raw) ?? raw;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const escape = (text: string) => text.replace(/[&<>"]/g, (c) => ENTITIES[c]);

/** The chart of `lines`, as an SVG document. */
export function renderChart(
  lines: readonly ChartLine[],
  { title, subtitle }: { title: string; subtitle: string },
): string {
  const series = lines.map((line, i) => ({
    ...line,
    color: COLORS[line.pipeline] ?? FALLBACK_COLORS[i % FALLBACK_COLORS.length],
    points: rateSeries(line.samples),
  }));
  const maxT = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.t)));
  const maxRate = Math.max(1, ...series.flatMap((s) => [s.readingsPerS, ...s.points.map((p) => p.rate)]));
  const windowS = Math.min(...series.map((s) => rateWindowS(s.samples)));
  const xStep = tickStep(maxT, 10);
  const yStep = tickStep(maxRate, 6);
  const xMax = Math.ceil(maxT / xStep) * xStep;
  const yMax = Math.ceil(maxRate / yStep) * yStep;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (t: number) => MARGIN.left + (t / xMax) * plotW;
  const y = (rate: number) => MARGIN.top + plotH - (rate / yMax) * plotH;
  const n = (v: number) => v.toFixed(1);

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${MARGIN.left}" y="22" font-size="16" font-weight="bold">${escape(title)}</text>`,
    `<text x="${MARGIN.left}" y="40" fill="#555">${escape(subtitle)}</text>`,
  );
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${n(y(v))}" y2="${n(y(v))}" stroke="#e5e5e5"/>`,
      `<text x="${MARGIN.left - 8}" y="${n(y(v) + 4)}" text-anchor="end">${v.toLocaleString('en-US')}</text>`,
    );
  }
  for (let v = 0; v <= xMax + 1e-9; v += xStep) {
    parts.push(
      `<line x1="${n(x(v))}" x2="${n(x(v))}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH + 5}" stroke="#333"/>`,
      `<text x="${n(x(v))}" y="${MARGIN.top + plotH + 20}" text-anchor="middle">${Number(v.toFixed(3))}</text>`,
    );
  }
  parts.push(
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#333"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#333"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 12}" text-anchor="middle">seconds since the publisher started</text>`,
    `<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">readings stored per second (${windowS >= 1 ? '1 s' : `${windowS.toFixed(2)} s`} window; dashed: end to end)</text>`,
  );
  for (const s of series) {
    const path = s.points.map((p, i) => `${i ? 'L' : 'M'}${n(x(p.t))} ${n(y(p.rate))}`).join(' ');
    const end = s.points.at(-1)?.t ?? 0;
    parts.push(
      `<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round"/>`,
      // The legend's figure, first reading to last row, across the run it describes.
      `<line x1="${n(x(0))}" x2="${n(x(end))}" y1="${n(y(s.readingsPerS))}" y2="${n(y(s.readingsPerS))}" stroke="${s.color}" stroke-dasharray="6 4"/>`,
    );
  }
  series.forEach((s, i) => {
    const ly = MARGIN.top + 14 + i * 18;
    const lx = WIDTH - MARGIN.right - 300;
    parts.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="3"/>`,
      `<text x="${lx + 32}" y="${ly}">${escape(`${s.pipeline}: ${Math.round(s.readingsPerS).toLocaleString('en-US')} readings/s end to end`)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
