import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { applyConfigFile } from '../src/apply-config-file';

let folder: string;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'apply-config-file-'));
});

afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

function load(name: string, text: string): Command {
  const path = join(folder, name);
  writeFileSync(path, text);
  const program = new Command('app')
    .addOption(new Option('--config <path>'))
    .addOption(new Option('--amqp-url <url>'))
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  program.parse(['--config', path], { from: 'user' });
  applyConfigFile(program, { section: 'app', otherSections: ['other'], env: { PW: 's3cret' } });
  return program;
}

describe('applyConfigFile', () => {
  it('fills options from a YAML file', () => {
    expect(load('c.yaml', 'amqp-url: amqp://u:p@h\n').opts()['amqpUrl']).toBe('amqp://u:p@h');
  });

  it('reports a YAML syntax error by line and column without quoting the file', () => {
    expect(() => load('c.yaml', 'amqp-url: "amqp://u:s3cret@h\n')).toThrow(/^(?!.*s3cret).*line \d+, column \d+/s);
  });

  it('reports a JSON syntax error without quoting the file', () => {
    expect(() => load('c.json', '{"amqp-url": amqp://u:s3cret@h}')).toThrow(/^(?!.*s3cret).*not valid JSON/s);
  });

  it('replaces ${PW} in values from the environment it is given', () => {
    expect(load('c.yaml', 'amqp-url: amqp://u:${PW}@h\n').opts()['amqpUrl']).toBe('amqp://u:s3cret@h');
  });

  it("lets its own section win over the top level and skips the other program's section", () => {
    const text = 'amqp-url: amqp://top\napp:\n  amqp-url: amqp://own\nother:\n  unknown-here: 1\n';
    expect(load('c.yaml', text).opts()['amqpUrl']).toBe('amqp://own');
  });
});
