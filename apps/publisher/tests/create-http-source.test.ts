import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { waitFor } from '@sensors/testing';
import { createHttpSource, type HttpSourceOptions } from '../src/http/create-http-source';
import { newPublisherStats, type PublisherStats } from '../src/publish-readings';
import { ConfirmingSink, ManualSink, reading } from './fake-sinks';

let app: FastifyInstance | undefined;
let stats: PublisherStats;

async function start(options: Partial<HttpSourceOptions> = {}): Promise<string> {
  stats = newPublisherStats();
  app = createHttpSource({
    sink: new ConfirmingSink(),
    stats,
    brokerAvailable: () => true,
    tokens: [],
    bodyLimit: 10_000,
    requestTimeoutMs: 5000,
    confirmTimeoutMs: 5000,
    ...options,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${url}/readings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('createHttpSource', () => {
  it('answers 202 with the ids once the broker has confirmed every reading', async () => {
    const sink = new ConfirmingSink();
    const url = await start({ sink });
    const response = await post(url, [reading('a'), reading('b')]);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({
      accepted: ['a', 'b'],
      rejected: [],
      rejectedCount: 0,
      rejectedByReason: {},
      unconfirmed: [],
    });
    expect(sink.published.map((m) => m.id)).toEqual(['a', 'b']);
  });

  it('takes one reading as a JSON object', async () => {
    const url = await start();
    const response = await post(url, reading('single'));
    expect(await response.json()).toEqual({
      accepted: ['single'],
      rejected: [],
      rejectedCount: 0,
      rejectedByReason: {},
      unconfirmed: [],
    });
  });

  it('takes NDJSON, skipping blank lines and indexing readings by line', async () => {
    const url = await start();
    const body = `${JSON.stringify(reading('a'))}\n\n{"id":"b"}\n`;
    const response = await post(url, body, { 'content-type': 'application/x-ndjson; charset=utf-8' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ accepted: ['a'], rejected: [{ index: 2, id: 'b' }] });
  });

  it('answers 400 with each invalid reading and its problems, having published the valid ones', async () => {
    const sink = new ConfirmingSink();
    const url = await start({ sink });
    const response = await post(url, [reading('good'), reading('bad', '90', 'yesterday')]);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      accepted: ['good'],
      rejected: [
        {
          index: 1,
          id: 'bad',
          problems: expect.arrayContaining([
            { field: 'content.temperature_f', value: '90', problem: 'must be a finite number, not a string' },
            expect.objectContaining({ field: 'content.time_of_measurement', value: 'yesterday' }),
          ]),
        },
      ],
      rejectedCount: 1,
      rejectedByReason: { 'content.temperature_f must be a finite number, not a string': 1 },
      unconfirmed: [],
    });
    expect(sink.published.map((m) => m.id)).toEqual(['good']);
  });

  it('lists the first 100 invalid readings and counts them all', async () => {
    const url = await start();
    const response = await post(
      url,
      Array.from({ length: 1000 }, () => ({})),
    );
    expect(response.status).toBe(400);
    const outcome = (await response.json()) as { rejected: unknown[]; rejectedCount: number; rejectedByReason: object };
    expect(outcome.rejected).toHaveLength(100);
    expect(outcome.rejectedCount).toBe(1000);
    expect(outcome.rejectedByReason).toEqual({ 'id is missing': 1000 });
  });

  it('refuses a body of more than 10,000 readings whole, with a short answer', async () => {
    const sink = new ConfirmingSink();
    const url = await start({ sink, bodyLimit: 1024 * 1024 });
    const body = `[${Array.from({ length: 349_525 }, () => '{}').join(',')}]`;
    const response = await post(url, body);
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text.length).toBeLessThan(1000);
    expect(text).toContain('349525 readings, more than the 10000');
    expect(sink.published).toEqual([]);
  });

  it('answers 400 for a reading nested 10,000 deep, and publishes the others', async () => {
    const sink = new ConfirmingSink();
    const url = await start({ sink, bodyLimit: 100_000 });
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const bad = JSON.stringify(reading('deep')).replace('"temperature_f":90', `"temperature_f":${deep}`);
    const response = await post(url, `[${JSON.stringify(reading('good'))},${bad}]`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      accepted: ['good'],
      rejected: [{ index: 1, id: 'deep', problems: [expect.objectContaining({ field: 'content.temperature_f' })] }],
    });
  });

  it('refuses a reading with the id and time of an earlier one of the request but other content', async () => {
    const sink = new ConfirmingSink();
    const url = await start({ sink });
    const response = await post(url, [
      reading('dup-1'),
      reading('dup-1'),
      { ...reading('dup-1'), content: { ...reading('dup-1').content, temperature_f: 20 } },
    ]);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      accepted: ['dup-1', 'dup-1'],
      rejected: [
        {
          index: 2,
          id: 'dup-1',
          problems: [expect.objectContaining({ problem: expect.stringContaining('reading 0 of the request was') })],
        },
      ],
    });
  });

  it('keeps the fields of content the model does not know in the message', async () => {
    const sink = new ConfirmingSink();
    const url = await start({ sink });
    const response = await post(url, { ...reading('h'), content: { ...reading('h').content, humidity_pct: 41 } });
    expect(response.status).toBe(202);
    expect(JSON.parse(sink.published[0].body.toString())).toMatchObject({
      content: { humidity_pct: 41, temperature_f: 90 },
    });
  });

  it('answers 400 to a body that is not JSON or holds no reading', async () => {
    const url = await start();
    const broken = await post(url, '{"id":');
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({
      error: 'Bad Request',
      message: expect.stringContaining('not valid JSON'),
    });
    expect((await post(url, [])).status).toBe(400);
  });

  it('answers 413 past the body limit and 415 to another content type', async () => {
    const sink = new ConfirmingSink();
    const url = await start({ sink, bodyLimit: 1000 });
    const large = await post(
      url,
      Array.from({ length: 20 }, (_, i) => reading(`r${i}`)),
    );
    expect(large.status).toBe(413);
    expect(await large.json()).toMatchObject({ message: expect.stringContaining('limit of 1000 bytes') });
    const text = await post(url, reading('a'), { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(await text.json()).toMatchObject({ message: expect.stringContaining('application/x-ndjson') });
    expect(sink.published).toEqual([]);
  });

  it('answers 401 without a valid bearer token, and takes readings with one', async () => {
    const sink = new ConfirmingSink();
    const url = await start({ sink, tokens: ['t0ken'] });
    const missing = await post(url, reading('a'));
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="sensors"');
    expect((await post(url, reading('a'), { authorization: 'Bearer wrong' })).status).toBe(401);
    expect(sink.published).toEqual([]);
    expect((await post(url, reading('a'), { authorization: 'Bearer t0ken' })).status).toBe(202);
  });

  it('answers 503 with Retry-After and publishes nothing while the broker is unavailable', async () => {
    const sink = new ConfirmingSink();
    const url = await start({ sink, brokerAvailable: () => false });
    const response = await post(url, reading('a'));
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(sink.published).toEqual([]);
  });

  it('answers 503 with the unconfirmed readings when the confirms take longer than the timeout', async () => {
    const url = await start({ sink: new ManualSink(), confirmTimeoutMs: 100 });
    const response = await post(url, [reading('a')]);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toEqual({
      accepted: [],
      rejected: [],
      rejectedCount: 0,
      rejectedByReason: {},
      unconfirmed: [{ index: 0, id: 'a', reason: 'timeout' }],
    });
  });

  it('closes the connection of a client too slow to send its request, and keeps serving others', async () => {
    const url = await start({ requestTimeoutMs: 200 });
    const socket = connect((app?.server.address() as AddressInfo).port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.write(
      'POST /readings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n[{',
    );
    await new Promise((resolve) => socket.on('close', resolve));
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect((await post(url, reading('after'))).status).toBe(202);
  });

  it('finishes the requests in flight when closed, and takes no new ones', async () => {
    const sink = new ManualSink();
    const url = await start({ sink });
    const inFlight = post(url, reading('a'));
    await waitFor('the reading published', () => sink.published.length === 1);
    const closed = app?.close();
    sink.confirmOldest();
    expect((await inFlight).status).toBe(202);
    await closed;
    await expect(post(url, reading('b'))).rejects.toThrow('fetch failed');
  });

  it('answers 500 to an unexpected failure and reports it', async () => {
    const errors: string[] = [];
    const sink = new ConfirmingSink();
    sink.whenWritable = () => Promise.reject(new Error('channel exploded'));
    const url = await start({ sink, onError: (err) => errors.push(err.message) });
    const response = await post(url, reading('a'));
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('exploded');
    expect(errors).toEqual(['channel exploded']);
  });

  it('counts the responses by status', async () => {
    const url = await start({ tokens: ['t0ken'] });
    await post(url, reading('a'));
    await post(url, reading('a'), { authorization: 'Bearer t0ken' });
    await post(url, reading('a', 'warm'), { authorization: 'Bearer t0ken' });
    expect(stats.httpRequestsByStatus).toEqual({ '202': 1, '400': 1, '401': 1 });
  });
});
