import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { connect as connectSocket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEAD_LETTER_HEADERS } from '@sensors/sensor-model';
import { createSensorSimulator } from '@sensors/sensor-generator';
import {
  freePort,
  promtoolComplaints,
  scrapeMetrics,
  startApp,
  takeMessages,
  waitFor,
  type AppProcess,
} from '@sensors/testing';
import { createPipeline, type Pipeline } from './pipeline-fixture';

interface Row {
  id: string;
  temperature_f: number;
  temperature_c: number;
}

const root = join(__dirname, '../../..');
const run = randomBytes(4).toString('hex');
let pipeline: Pipeline;
const started: AppProcess[] = [];
const files: string[] = [];

function reading(id: string, temperatureF: unknown = 70) {
  return { id, type: 'Sensor', content: { temperature_f: temperatureF, time_of_measurement: '2019-06-24T15:00:00' } };
}

function publisher(args: string[], env: Record<string, string> = {}, stdin: 'ignore' | 'pipe' = 'ignore'): AppProcess {
  const app = startApp('publisher', args, { ...pipeline.env, ...env }, { stdin });
  started.push(app);
  return app;
}

function lastLine(app: AppProcess, message: string): Record<string, unknown> | undefined {
  return app.logs.findLast((l) => l['msg'] === message);
}

/** Waits for the publisher to exit 2 (some lines were invalid) and returns its closing summary. */
async function summaryOfPartialRun(app: AppProcess): Promise<Record<string, unknown> | undefined> {
  expect(await app.exited).toBe(2);
  return lastLine(app, 'publisher finished; every valid line is confirmed, some lines were invalid');
}

async function rows(ids: string[]): Promise<Row[]> {
  return pipeline.db.query<Row>(
    'SELECT id, temperature_f, temperature_c FROM sensor_readings WHERE id = ANY($1) ORDER BY id',
    [ids],
  );
}

async function waitForRows(ids: string[]): Promise<Row[]> {
  await waitFor(`${ids.length} rows`, async () => (await rows(ids)).length === ids.length, { timeoutMs: 60_000 });
  return rows(ids);
}

/** Takes every message from a queue (this test file's own). */
const takeAll = (queue: string) => takeMessages(queue);

beforeAll(async () => {
  pipeline = await createPipeline();
  await pipeline.startConsumer();
});

afterAll(async () => {
  await Promise.all(started.map((app) => app.stop()));
  await pipeline.teardown();
  await Promise.all(files.map((file) => rm(file, { force: true })));
});

describe('the file source', () => {
  it('stores every good line, dead-letters each bad one with its line number and reason, and exits 2', async () => {
    const goodIds = Array.from({ length: 50 }, (_, i) => `${run}-file-${i}`);
    const bad: Record<number, string[]> = {
      5: ['', '   '],
      10: ['not json'],
      20: [JSON.stringify(reading(`${run}-file-cold`, -500))],
      30: [JSON.stringify({ ...reading(`${run}-file-thermostat`), type: 'Thermostat' })],
      40: [`{"id":"${run}-file-broken",`],
    };
    const lines: { text: string; good: boolean }[] = [];
    goodIds.forEach((id, i) => {
      lines.push({ text: JSON.stringify(reading(id, 50 + i)) + (i === 7 ? '\r' : ''), good: true });
      for (const text of bad[i] ?? []) lines.push({ text, good: false });
    });
    const invalid = lines.flatMap((l, i) => (!l.good && l.text.trim() ? [{ line: i + 1, text: l.text }] : []));
    const file = join(tmpdir(), `${run}-readings.ndjson`);
    files.push(file);
    await writeFile(file, lines.map((l) => l.text).join('\n'));

    const app = publisher(['--source', 'file', '--file', file, '--on-invalid', 'dead-letter']);
    expect(await summaryOfPartialRun(app)).toMatchObject({
      received: 54,
      published: 50,
      confirmed: 50,
      rejected: 4,
      rejectedByReason: {
        '(reading) is not valid JSON': 2,
        'content.temperature_f must not lie below absolute zero': 1,
        'type must be "Sensor"': 1,
      },
      deadLettered: 4,
      unconfirmed: 0,
      endOfInput: true,
    });
    expect(app.logs.filter((l) => l['msg'] === 'line rejected').map((l) => l['line'])).toEqual(
      invalid.map((i) => i.line),
    );
    const stored = await waitForRows(goodIds);
    for (const row of stored) expect(row.temperature_c).toBe(((row.temperature_f - 32) * 5) / 9);

    const deadLetters = await takeAll(`${pipeline.queue}.dead-letter`);
    expect(deadLetters.map((m) => m.properties.messageId as string | undefined)).toEqual(
      invalid.map((i) => `${file}:${i.line}`),
    );
    deadLetters.forEach((message, i) => {
      expect(message.content.toString()).toBe(invalid[i].text);
      expect(message.properties.headers?.[DEAD_LETTER_HEADERS.code]).toBe('invalid-reading');
      expect(String(message.properties.headers?.[DEAD_LETTER_HEADERS.message])).toMatch(
        new RegExp(`^line ${invalid[i].line} of `),
      );
    });
  });

  it('stops at start-up, exiting 1, when the file does not exist', async () => {
    const app = publisher(['--source', 'file', '--file', join(tmpdir(), `${run}-missing.ndjson`)]);
    expect(await app.exited).toBe(1);
    expect(lastLine(app, 'publisher failed')).toMatchObject({ err: { code: 'ENOENT' } });
  });
});

describe('the stdin source', () => {
  it('stores the readings another process pipes in, skips a bad line and exits 2', async () => {
    const seed = `stdin-${run}`;
    const generator = spawn(
      process.execPath,
      [join(root, 'dist/libs/sensor-generator/src/cli.js'), '--count', '1000', '--seed', seed],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const app = publisher(['--source', 'stdin'], {}, 'pipe');
    const stdin = app.child.stdin;
    if (!generator.stdout || !stdin) throw new Error('expected piped streams');
    generator.stdout.pipe(stdin, { end: false });
    generator.stdout.on('end', () => stdin.end('not json\n'));
    expect(await summaryOfPartialRun(app)).toMatchObject({
      received: 1001,
      confirmed: 1000,
      rejected: 1,
      deadLettered: 0,
    });
    expect(app.logs.filter((l) => l['msg'] === 'line rejected')).toEqual([
      expect.objectContaining({ input: 'stdin', line: 1001, action: 'skipped' }),
    ]);
    const simulator = createSensorSimulator({ seed });
    const expected = new Map(Array.from({ length: 1000 }, () => simulator.next()).map((r) => [r.id, r]));
    const stored = await waitForRows([...expected.keys()]);
    for (const row of stored) expect(row.temperature_f).toBe(expected.get(row.id)?.content.temperature_f);
  });
});

describe('the HTTP source', () => {
  const token = `token-${run}`;
  let app: AppProcess;
  let url: string;
  let port: number;

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    app = publisher(
      ['--source', 'http', '--http-port', '0', '--http-host', '127.0.0.1', '--http-request-timeout-ms', '1000'],
      { SENSORS_HTTP_TOKENS: `other-token,${token}` },
    );
    const startedLine = await waitFor('the publisher to start', () => lastLine(app, 'publisher started'));
    port = startedLine['httpPort'] as number;
    url = `http://127.0.0.1:${port}/readings`;
    await waitFor('the broker connection', () => lastLine(app, 'broker connected'));
  });

  it('answers 202 once the readings are confirmed, and stores them', async () => {
    const ids = [`${run}-http-a`, `${run}-http-b`];
    const response = await post(ids.map((id) => reading(id)));
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({
      accepted: ids,
      rejected: [],
      rejectedCount: 0,
      rejectedByReason: {},
      unconfirmed: [],
    });
    expect(await waitForRows(ids)).toHaveLength(2);

    const ndjson = await post(`${JSON.stringify(reading(`${run}-http-nd`))}\n`, {
      'content-type': 'application/x-ndjson',
    });
    expect(ndjson.status).toBe(202);
    expect(await waitForRows([`${run}-http-nd`])).toHaveLength(1);
  });

  it('answers 400 with every problem of each invalid reading', async () => {
    const response = await post(reading(`${run}-http-hot`, 'hot'));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      accepted: [],
      rejected: [
        {
          index: 0,
          id: `${run}-http-hot`,
          problems: expect.arrayContaining([
            { field: 'content.temperature_f', value: 'hot', problem: 'must be a finite number, not a string' },
          ]),
        },
      ],
      rejectedCount: 1,
      rejectedByReason: { 'content.temperature_f must be a finite number, not a string': 1 },
      unconfirmed: [],
    });
  });

  it('stores the valid readings of a mixed request and lists which were taken', async () => {
    const good = [`${run}-http-mixed-1`, `${run}-http-mixed-2`];
    const response = await post([reading(good[0]), { id: `${run}-http-mixed-bad` }, reading(good[1])]);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { accepted: string[]; rejected: { index: number; id: string }[] };
    expect(body.accepted).toEqual(good);
    expect(body.rejected.map(({ index, id }) => ({ index, id }))).toEqual([{ index: 1, id: `${run}-http-mixed-bad` }]);
    expect(await waitForRows(good)).toHaveLength(2);
    expect(await rows([`${run}-http-mixed-bad`])).toEqual([]);
  });

  it('answers 413 to a body past the limit', async () => {
    const response = await post(`[${' '.repeat(1536 * 1024)}]`);
    expect(response.status).toBe(413);
  });

  it('answers 401 without a valid token and stores nothing', async () => {
    const id = `${run}-http-unauthenticated`;
    const missing = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(reading(id)),
    });
    expect(missing.status).toBe(401);
    expect((await post(reading(id), { authorization: 'Bearer guessed' })).status).toBe(401);
    expect((await post(reading(`${run}-http-after-401`))).status).toBe(202);
    await waitForRows([`${run}-http-after-401`]);
    expect(await rows([id])).toEqual([]);
  });

  it('drops a client too slow to send its request and stays healthy', async () => {
    const socket = connectSocket(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.write(
      `POST /readings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n[{"id":',
    );
    await new Promise((resolve) => socket.on('close', resolve));
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect((await post(reading(`${run}-http-after-slow`))).status).toBe(202);
    expect(await waitForRows([`${run}-http-after-slow`])).toHaveLength(1);
  });

  it('counts requests by status in metrics that pass promtool, and stops gracefully on SIGTERM', async () => {
    const metricsPort = lastLine(app, 'publisher started')?.['metricsPort'] as number;
    const metrics = await scrapeMetrics(metricsPort);
    expect(metrics).toMatch(/^sensors_http_requests_total\{status="202"\} [1-9]/m);
    expect(metrics).toMatch(/^sensors_http_requests_total\{status="401"\} 2$/m);
    expect(await promtoolComplaints(metrics)).toBe('');

    expect(await app.stop()).toBe(0);
    expect(lastLine(app, 'publisher stopped; every published reading is confirmed')).toMatchObject({
      source: 'http',
      unconfirmed: 0,
      httpRequestsByStatus: { '400': 2, '401': 2, '413': 1 },
    });
  });

  it('answers 503 with Retry-After while the broker is unreachable', async () => {
    const down = publisher(['--source', 'http', '--http-port', '0'], {
      SENSORS_AMQP_URL: `amqp://guest:guest@127.0.0.1:${await freePort()}`,
    });
    const startedLine = await waitFor('the publisher to start', () => lastLine(down, 'publisher started'));
    const response = await fetch(`http://127.0.0.1:${startedLine['httpPort'] as number}/readings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(reading(`${run}-http-no-broker`)),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toMatchObject({ message: expect.stringContaining('broker is unreachable') });
    expect(await down.stop()).toBe(0);
  });
});
