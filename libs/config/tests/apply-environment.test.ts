import { Command, Option } from 'commander';
import { applyEnvironment, integerOption, type EnvironmentOptions } from '../src';

function program(): Command {
  return new Command('app')
    .addOption(new Option('--url <url>').env('APP_URL'))
    .addOption(new Option('--size <n>').env('APP_SIZE').default(1).argParser(integerOption(1)))
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
}

function apply(argv: string[], options: EnvironmentOptions): { values: Record<string, unknown>; renamed: unknown } {
  const p = program();
  p.parse(argv, { from: 'user' });
  const renamed = applyEnvironment(p, options);
  return { values: p.opts(), renamed };
}

describe('applyEnvironment', () => {
  const files: Record<string, string> = { '/run/secrets/url': 'amqp://u:s3cret@h\n', '/run/secrets/size': 'big\n' };
  const readFile = (path: string) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
    return text;
  };

  it('reads <NAME>_FILE without its trailing newline', () => {
    expect(apply([], { env: { APP_URL_FILE: '/run/secrets/url' }, readFile }).values['url']).toBe('amqp://u:s3cret@h');
  });

  it('lets a flag win over <NAME>_FILE', () => {
    expect(apply(['--url', 'x'], { env: { APP_URL_FILE: '/run/secrets/url' }, readFile }).values['url']).toBe('x');
  });

  it('never echoes an invalid value read from a file', () => {
    expect(() => apply([], { env: { APP_SIZE_FILE: '/run/secrets/size' }, readFile })).toThrow(
      /^(?!.*big).*APP_SIZE_FILE.*value hidden/,
    );
  });

  it('reads an old name and reports it with its replacement', () => {
    const { values, renamed } = apply([], { env: { OLD_SIZE: '3' }, renamed: { APP_SIZE: 'OLD_SIZE' } });
    expect(values['size']).toBe(3);
    expect(renamed).toEqual([{ variable: 'OLD_SIZE', replacement: 'APP_SIZE' }]);
  });

  it('reads no name it is not told of', () => {
    expect(apply([], { env: { SIZE: '3' } })).toEqual({ values: { size: 1 }, renamed: [] });
  });
});
