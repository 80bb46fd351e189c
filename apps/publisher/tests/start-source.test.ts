import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { loadPublisherConfig } from '../src/config';
import { newPublisherStats } from '../src/publish-readings';
import { startSource, type SourceContext } from '../src/start-source';
import { ConfirmingSink, reading } from './fake-sinks';

const file = join(tmpdir(), `start-source-${process.pid}.ndjson`);

function context(overrides: Omit<Partial<SourceContext>, 'sink'> = {}) {
  return {
    sink: new ConfirmingSink(),
    brokerAvailable: () => true,
    stats: newPublisherStats(),
    signal: new AbortController().signal,
    stdin: () => new PassThrough(),
    log: pino({ level: 'silent' }),
    ...overrides,
  };
}

afterAll(async () => {
  await rm(file, { force: true });
});

describe('startSource', () => {
  it('publishes --count generated readings and ends', async () => {
    const ctx = context();
    const source = await startSource(
      loadPublisherConfig(['--count', '3', '--rate', '0'], { exitOverride: true }).source,
      ctx,
    );
    expect(await source.finished).toEqual({ source: 'generator', count: 3 });
    expect(ctx.sink.published).toHaveLength(3);
  });

  it('publishes the lines of a file and says it read it to the end', async () => {
    await writeFile(file, `${JSON.stringify(reading('a'))}\nnot json\n`);
    const ctx = context();
    const source = await startSource(
      loadPublisherConfig(['--source', 'file', '--file', file], { exitOverride: true }).source,
      ctx,
    );
    expect(await source.finished).toEqual({ source: 'file', endOfInput: true });
    expect(ctx.sink.published.map((m) => m.id)).toEqual(['a']);
    expect(ctx.stats.rejected).toBe(1);
  });

  it('fails at once when the file does not exist', async () => {
    const config = loadPublisherConfig(['--source', 'file', '--file', `${file}.missing`], {
      exitOverride: true,
    }).source;
    await expect(startSource(config, context())).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reads stdin until it ends', async () => {
    const stdin = new PassThrough();
    const ctx = context({ stdin: () => stdin });
    const source = await startSource(loadPublisherConfig(['--source', 'stdin'], { exitOverride: true }).source, ctx);
    stdin.end(`${JSON.stringify(reading('s'))}\n`);
    expect(await source.finished).toEqual({ source: 'stdin', endOfInput: true });
    expect(ctx.sink.published.map((m) => m.id)).toEqual(['s']);
  });

  it('serves HTTP until the signal, then closes', async () => {
    const stop = new AbortController();
    const ctx = context({ signal: stop.signal });
    const config = loadPublisherConfig(['--source', 'http', '--http-port', '0'], { exitOverride: true }).source;
    const source = await startSource(config, ctx);
    const url = `http://127.0.0.1:${source.details['httpPort'] as number}/readings`;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(reading('h')),
    });
    expect(response.status).toBe(202);
    stop.abort();
    expect(await source.finished).toEqual({ source: 'http' });
    await source.close();
    await expect(fetch(url, { method: 'POST' })).rejects.toThrow('fetch failed');
  });
});
