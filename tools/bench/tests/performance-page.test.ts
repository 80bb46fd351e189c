import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  demoteHeadings,
  describeCommand,
  renderPageMachine,
  renderPageSection,
  upsertPageSection,
  writePageSection,
  type PageSection,
} from '../src/performance-page';

const section = (overrides: Partial<PageSection> = {}): PageSection => ({
  date: '2026-12-01',
  what: 'bench: product',
  command: 'npm run bench -- --quick',
  machine: 'Machine: 2 cores.',
  report: '## Throughput\n\n| a |\n|---|\n| 1 |',
  ...overrides,
});

const PAGE = `# Performance figures

Intro.

## 2026-11-30: storage (hand-written)

Old figures.

\`\`\`sh
# a comment in a code block, not a heading
\`\`\`

## Install and build

Sizes.
`;

describe('demoteHeadings', () => {
  it('moves every heading one level down and leaves code blocks alone', () => {
    expect(demoteHeadings('## A\ntext\n```\n# not a heading\n```\n### B')).toBe(
      '### A\ntext\n```\n# not a heading\n```\n#### B',
    );
  });
});

describe('renderPageSection', () => {
  it('heads the section with the date, what and the command, then the machine, the command and the report', () => {
    const text = renderPageSection(section());
    expect(text.split('\n')).toEqual([
      '## 2026-12-01: bench: product (`npm run bench -- --quick`)',
      '',
      'Machine: 2 cores.',
      '',
      '```sh',
      'npm run bench -- --quick',
      '```',
      '',
      '### Throughput',
      '',
      '| a |',
      '|---|',
      '| 1 |',
      '',
    ]);
  });
});

describe('upsertPageSection', () => {
  it('appends a new section at the end and keeps every other line', () => {
    const page = upsertPageSection(PAGE, section());
    expect(page.startsWith(PAGE)).toBe(true);
    expect(page.endsWith(renderPageSection(section()))).toBe(true);
  });

  it('replaces the section of the same date and command, up to the next section', () => {
    const middle = upsertPageSection(PAGE, section()).replace('## Install and build\n\nSizes.\n\n', '');
    const withNext = `${middle}\n## Later, by hand\n\nKept.\n`;
    const updated = upsertPageSection(withNext, section({ report: '## Throughput\n\nnew figures' }));
    expect(updated).toContain('new figures');
    expect(updated).not.toContain('| 1 |');
    expect(updated).toContain('## Later, by hand\n\nKept.\n');
    expect(updated.match(/^## 2026-12-01: /gm)).toHaveLength(1);
  });

  it('adds a section beside one of the same command on another day, or another command on the same day', () => {
    let page = upsertPageSection(PAGE, section());
    page = upsertPageSection(page, section({ date: '2026-12-02' }));
    page = upsertPageSection(page, section({ command: 'npm run bench -- --quick --reps 3' }));
    expect(page.match(/^## 2026-12-0\d: bench/gm)).toHaveLength(3);
  });

  it('is unchanged by writing the same section twice', () => {
    const once = upsertPageSection(PAGE, section());
    expect(upsertPageSection(once, section())).toBe(once);
  });

  it('ignores a heading-like line inside a code block', () => {
    const fenced = `${PAGE}\n\`\`\`\n## 2026-12-01: bench: product (\`npm run bench -- --quick\`)\n\`\`\`\n`;
    const page = upsertPageSection(fenced, section());
    expect(page.startsWith(fenced.trimEnd())).toBe(true);
  });
});

describe('describeCommand', () => {
  it('drops the page flag, keeps the other flags and the BENCH_ variables', () => {
    const command = describeCommand(
      'npm run bench',
      ['--quick', '--page', 'docs/performance.md', '--pipelines', 'product,raw-envelope'],
      { BENCH_COUNT: '1000', BENCH_PAGE: 'x.md', HOME: '/root' },
    );
    expect(command).toBe('BENCH_COUNT=1000 npm run bench -- --quick --pipelines product,raw-envelope');
  });

  it('masks the password of a URL and quotes what a shell would split', () => {
    expect(describeCommand('npm run bench', ['--amqp-url', 'amqp://user:secret@host:5672', '--page=p.md', 'a b'])).toBe(
      "npm run bench -- --amqp-url amqp://user:***@host:5672 'a b'",
    );
  });

  it('gives the bare command without arguments', () => {
    expect(describeCommand('npm run bench', ['--page', 'docs/performance.md'])).toBe('npm run bench');
  });
});

describe('renderPageMachine', () => {
  it('states the times, the commit, the machine, the versions and both load averages', () => {
    const text = renderPageMachine({
      cpus: 2,
      cpuModel: 'Test CPU',
      memoryGb: 24,
      node: 'v20.20.2',
      postgres: '15.20',
      loadAverageStart: ['1.00', '2.00', '3.00'],
      loadAverageEnd: ['4.00', '5.00', '6.00'],
      startedAt: new Date('2026-12-01T10:00:00Z'),
      finishedAt: new Date('2026-12-01T10:05:00Z'),
      commit: 'abc1234',
      uncommittedFiles: 2,
    });
    expect(text).toContain('10:00–10:05 UTC from commit abc1234 (2 files uncommitted)');
    expect(text).toContain('2 cores (Test CPU), 24 GB; Node v20.20.2, Postgres 15.20;');
    expect(text).toContain('load average 1.00 2.00 3.00 at the start, 4.00 5.00 6.00 at the end');
  });
});

describe('writePageSection', () => {
  it('creates the page with a title when it does not exist', () => {
    const dir = mkdtempSync(join(tmpdir(), 'performance-page-'));
    try {
      const path = join(dir, 'performance.md');
      writePageSection(path, section());
      const page = readFileSync(path, 'utf8');
      expect(page.startsWith('# Performance figures\n')).toBe(true);
      expect(page).toContain(renderPageSection(section()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
