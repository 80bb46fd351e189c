import { Writable } from 'node:stream';
import pino from 'pino';
import { loggerOptions } from '../src';

function linesOf(
  options: ReturnType<typeof loggerOptions>,
  write: (log: pino.Logger) => void,
): Record<string, unknown>[] {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  write(pino(options, sink));
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('loggerOptions', () => {
  it('gives every NDJSON line the app, version, pid and hostname', () => {
    const [line] = linesOf(loggerOptions('consumer', '1.2.3'), (log) => log.info('started'));
    expect(line).toMatchObject({ app: 'consumer', version: '1.2.3', pid: process.pid, msg: 'started' });
    expect(typeof line?.['hostname']).toBe('string');
  });

  it('leaves pid, host and version out of human-readable lines', () => {
    expect(loggerOptions('publisher', '1.2.3', { pretty: true }).base).toEqual({ app: 'publisher' });
  });

  it('masks connection URLs and takes the level', () => {
    const lines = linesOf(loggerOptions('consumer', '1.2.3', { level: 'warn' }), (log) => {
      log.info({ url: 'postgres://app:secret@db/sensors' }, 'not shown');
      log.warn({ url: 'postgres://app:secret@db/sensors' }, 'database unreachable');
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.['url']).toBe('postgres://app:***@db/sensors');
  });
});
