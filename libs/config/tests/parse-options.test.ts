import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { parseOptions } from '../src';

const folder = mkdtempSync(join(tmpdir(), 'parse-options-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function options(): Option[] {
  return [
    new Option('--config <path>').env('TEST_PARSE_CONFIG'),
    new Option('--queue <name>').env('TEST_PARSE_QUEUE').default('q'),
    new Option('--rate <n>').env('TEST_PARSE_RATE').default('1'),
  ];
}

afterEach(() => {
  for (const name of ['TEST_PARSE_QUEUE', 'TEST_PARSE_RATE', 'OLD_QUEUE']) delete process.env[name];
});

describe('parseOptions', () => {
  it('lets flags win over the environment, which wins over the config file, which wins over the defaults', () => {
    const file = join(folder, 'config.yaml');
    writeFileSync(file, 'queue: from-file\nrate: "3"\n');
    process.env['TEST_PARSE_QUEUE'] = 'from-env';
    process.env['TEST_PARSE_RATE'] = '2';
    const program = new Command('app');
    parseOptions(program, options(), ['--config', file, '--queue', 'from-flag'], {
      env: process.env,
      section: 'app',
      exitOverride: true,
    });
    expect(program.opts()).toMatchObject({ queue: 'from-flag', rate: '2' });
  });

  it('reads renamed variables and returns them for a warning', () => {
    const program = new Command('app');
    const { renamedVariables } = parseOptions(program, options(), [], {
      env: { OLD_QUEUE: 'old' },
      renamed: { TEST_PARSE_QUEUE: 'OLD_QUEUE' },
      section: 'app',
      exitOverride: true,
    });
    expect(renamedVariables).toEqual([{ variable: 'OLD_QUEUE', replacement: 'TEST_PARSE_QUEUE' }]);
    expect(program.opts()['queue']).toBe('old');
  });

  it('throws instead of exiting on an unknown flag when told to', () => {
    expect(() =>
      parseOptions(new Command('app'), options(), ['--qeue', 'x'], { env: {}, section: 'app', exitOverride: true }),
    ).toThrow(/unknown option/);
  });
});
