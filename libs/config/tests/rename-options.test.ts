import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { integerOption, parseOptions } from '../src';

const folder = mkdtempSync(join(tmpdir(), 'rename-options-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function parse(argv: string[]) {
  const program = new Command('app');
  const options = [
    new Option('--config <path>'),
    new Option('--max-unconfirmed <n>').env('APP_MAX_UNCONFIRMED').default(2).argParser(integerOption(1)),
  ];
  const { renamedOptions } = parseOptions(program, options, argv, {
    env: {},
    section: 'app',
    renamedOptions: { '--max-unconfirmed': '--max-in-flight' },
    exitOverride: true,
  });
  return { program, value: program.opts()['maxUnconfirmed'] as unknown, renamedOptions };
}

function configFile(text: string): string {
  const path = join(folder, `${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, text);
  return path;
}

describe('parseOptions renamed options', () => {
  it('reads an old flag as its replacement and reports it', () => {
    expect(parse(['--max-in-flight', '7'])).toMatchObject({
      value: 7,
      renamedOptions: [{ option: '--max-in-flight', replacement: '--max-unconfirmed', origin: 'command line' }],
    });
  });

  it('parses an old flag as its replacement, errors included', () => {
    expect(() => parse(['--max-in-flight=0'])).toThrow(/--max-in-flight/);
  });

  it('reads an old config file key as its replacement and reports it', () => {
    expect(parse(['--config', configFile('app:\n  max-in-flight: 9\n')])).toMatchObject({
      value: 9,
      renamedOptions: [{ option: 'max-in-flight', replacement: 'max-unconfirmed', origin: 'config file' }],
    });
  });

  it('lets the new name win when both are given in the same place', () => {
    expect(parse(['--max-in-flight', '7', '--max-unconfirmed', '8']).value).toBe(8);
    expect(parse(['--config', configFile('max-in-flight: 9\nmax-unconfirmed: 10\n')]).value).toBe(10);
  });

  it('keeps the order of places: an old flag wins over the new variable, the new variable over an old key', () => {
    // commander reads an option's own variable from process.env.
    process.env['APP_MAX_UNCONFIRMED'] = '5';
    try {
      expect(parse(['--max-in-flight', '7']).value).toBe(7);
      expect(parse(['--config', configFile('max-in-flight: 9\n')]).value).toBe(5);
    } finally {
      delete process.env['APP_MAX_UNCONFIRMED'];
    }
  });

  it('reports nothing when only new names are given', () => {
    expect(parse(['--max-unconfirmed', '3'])).toMatchObject({ value: 3, renamedOptions: [] });
  });

  it('hides old names from --help and from the config file keys it offers', () => {
    const { program } = parse([]);
    expect(program.helpInformation()).not.toMatch(/max-in-flight/);
    expect(() => parse(['--config', configFile('max-in-flite: 1\n')])).toThrow(
      /^(?!.*max-in-flight).*expected one of: max-unconfirmed/,
    );
  });
});
