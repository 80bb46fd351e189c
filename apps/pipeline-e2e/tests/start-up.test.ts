import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createServer, type Server } from 'node:net';
import {
  createTestDatabase,
  freePort,
  promtoolComplaints,
  scrapeMetrics,
  startApp,
  testAmqpUrl,
  uniqueName,
  waitFor,
  type AppProcess,
} from '@sensors/testing';
import { createPipeline, type Pipeline } from './pipeline-fixture';

const root = join(__dirname, '../../..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
let pipeline: Pipeline;
const started: AppProcess[] = [];

function start(app: 'publisher' | 'consumer', args: string[], env: Record<string, string> = {}): AppProcess {
  const child = startApp(app, args, { ...pipeline.env, ...env });
  started.push(child);
  return child;
}

function line(app: AppProcess, msg: string) {
  return waitFor(`the "${msg}" line of the ${app.label}`, () => app.logs.find((l) => l['msg'] === msg));
}

/** The value of each sample of a scrape, by its name and labels as written. */
function samples(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const row of text.split('\n')) {
    if (row === '' || row.startsWith('#')) continue;
    const at = row.lastIndexOf(' ');
    values.set(row.slice(0, at), Number(row.slice(at + 1)));
  }
  return values;
}

/** A URL of the machine's broker with a password it refuses. */
function withWrongPassword(base: string): string {
  const url = new URL(base);
  url.password = 'wr0ng-pw';
  return url.toString();
}

beforeAll(async () => {
  pipeline = await createPipeline();
});

afterAll(async () => {
  await Promise.all(started.map((app) => app.stop()));
  await pipeline.teardown();
});

describe('start-up', () => {
  it('prints the version of either app for --version', async () => {
    for (const app of ['publisher', 'consumer']) {
      const { stdout } = await promisify(execFile)(process.execPath, [
        join(root, 'dist/apps', app, 'main.js'),
        '--version',
      ]);
      expect(stdout).toBe(`${version}\n`);
    }
  });

  it('ends `publisher --count 1` with exit 1 and what to fix when the broker refuses the password', async () => {
    const publisher = start('publisher', ['--count', '1', '--amqp-url', withWrongPassword(testAmqpUrl)]);
    expect(await publisher.exited).toBe(1);
    const fatal = publisher.logs.find((l) => l['level'] === 60);
    expect(fatal).toMatchObject({
      msg: 'publisher failed',
      reason: 'the broker refused the user name or password',
      fix: expect.stringContaining('--amqp-url'),
      url: expect.stringContaining(':***@'),
    });
    expect(fatal).not.toHaveProperty('err');
    expect(JSON.stringify(publisher.logs)).not.toContain('wr0ng-pw');
  });

  it('stops the consumer with exit 1 and what to fix when the database does not exist', async () => {
    const url = new URL(pipeline.db.url);
    url.pathname = `/${uniqueName('no_such_db')}`;
    const consumer = start('consumer', ['--database-url', url.toString()]);
    expect(await consumer.exited).toBe(1);
    expect(consumer.logs.find((l) => l['level'] === 60)).toMatchObject({
      msg: 'consumer failed to start',
      sqlstate: '3D000',
      setting: '--database-url',
      fix: expect.stringContaining('--database-url'),
    });
    expect(consumer.lines('database unreachable, retrying')).toHaveLength(0);
  });

  it('serves every series from the first scrape while the database and broker are unreachable', async () => {
    const nowhere = await freePort();
    const consumer = start('consumer', ['--database-url', `postgres://sensors:pw@127.0.0.1:${nowhere}/sensors`]);
    const publisher = start('publisher', ['--amqp-url', `amqp://guest:guest@127.0.0.1:${nowhere}`]);
    const consumerPort = (await line(consumer, 'serving metrics and health'))['metricsPort'] as number;
    const publisherPort = (await line(publisher, 'publisher started'))['metricsPort'] as number;
    await line(consumer, 'database unreachable, retrying');
    await line(publisher, 'broker unreachable, retrying');

    const build = `sensors_build_info{version="${version}",nodejs="${process.version}"}`;
    const expected: ['consumer' | 'publisher' | 'both', string, number][] = [
      ['both', 'sensors_broker_connected', 0],
      ['both', build, 1],
      ['consumer', 'sensors_database_healthy', 0],
      ['consumer', 'sensors_readings_stored_total', 0],
      ['consumer', 'sensors_readings_consumed_total', 0],
      ['both', 'sensors_readings_dead_lettered_total{reason="invalid-reading"}', 0],
      ['consumer', 'sensors_readings_dead_lettered_total{reason="repeated-crash"}', 0],
      ['consumer', 'sensors_reconnects_total{target="database"}', 0],
      ['consumer', 'sensors_partition_maintenance_failures_total', 0],
      ['consumer', 'sensors_batch_size_readings_count', 0],
      ['publisher', 'sensors_readings_confirmed_total', 0],
      ['publisher', 'sensors_readings_publish_failed_total{reason="nacked"}', 0],
      ['publisher', 'sensors_reconnects_total{target="broker"}', 0],
    ];
    for (const [app, port] of [
      ['consumer', consumerPort],
      ['publisher', publisherPort],
    ] as const) {
      const text = await scrapeMetrics(port);
      expect(await promtoolComplaints(text)).toBe('');
      const served = samples(text);
      const series = expected.filter(([which]) => which === app || which === 'both');
      expect(series.map(([, name]) => [app, name, served.get(name)])).toEqual(
        series.map(([, name, value]) => [app, name, value]),
      );
    }
    await Promise.all([consumer.stop(), publisher.stop()]);
  });

  it('puts the version, pid and host in every NDJSON line', async () => {
    const publisher = start('publisher', ['--count', '5', '--rate', '0']);
    expect(await publisher.exited).toBe(0);
    expect(publisher.logs.length).toBeGreaterThan(1);
    for (const entry of publisher.logs) {
      expect(entry).toMatchObject({ app: 'publisher', version, pid: publisher.pid, hostname: hostname() });
    }
  });

  it('says to use --metrics-port, readably and without a stack, when the metrics port is taken', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const publisher = start('publisher', ['--count', '1', '--log-pretty', '--metrics-port', String(port)]);
      expect(await publisher.exited).toBe(1);
      const output = publisher.logs.map((l) => (typeof l['raw'] === 'string' ? l['raw'] : '')).join('\n');
      expect(output).toMatch(/FATAL.*publisher failed/);
      expect(output).toContain(`port ${port} of the metrics endpoint is already in use`);
      expect(output).toContain('--metrics-port');
      expect(output).not.toMatch(/^\s+at /m);
    } finally {
      taken.close();
    }
  });

  it('migrates with `consumer migrate` while another process holds the metrics port', async () => {
    const db = await createTestDatabase('sensors_migrate');
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const consumer = start('consumer', ['migrate', '--metrics-port', String(port)], { SENSORS_DATABASE_URL: db.url });
      expect(await consumer.exited).toBe(0);
      const [{ migrated }] = await db.query<{ migrated: boolean }>(
        "SELECT to_regclass('sensor_readings') IS NOT NULL AS migrated",
      );
      expect(migrated).toBe(true);
    } finally {
      taken.close();
      await db.drop();
    }
  });

  it('serves the ops endpoints on --metrics-host only', async () => {
    const publisher = start('publisher', ['--metrics-host', '127.0.0.1']);
    const startedLine = await line(publisher, 'publisher started');
    expect(startedLine).toMatchObject({ metricsHost: '127.0.0.1' });
    const port = startedLine['metricsPort'] as number;
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    // ::1 is this machine too, but not the address asked for.
    await expect(fetch(`http://[::1]:${port}/healthz`)).rejects.toThrow();
    await publisher.stop();
  });
});

describe('the HTTP source over TLS', () => {
  let folder: string;
  let certFile: string;
  let keyFile: string;
  const token = `token-${uniqueName('tls')}`;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'sensors-tls-'));
    [certFile, keyFile] = [join(folder, 'cert.pem'), join(folder, 'key.pem')];
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ]);
  });

  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  /** Starts the publisher's HTTP source on any free port with the test's token, and `args`. */
  function startHttpSource(args: string[]): AppProcess {
    return start('publisher', ['--source', 'http', '--http-port', '0', ...args], { SENSORS_HTTP_TOKENS: token });
  }

  /** POSTs a body over HTTPS, trusting only the test's certificate. */
  function post(port: number, body: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/readings',
          method: 'POST',
          ca: readFileSync(certFile),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  it('takes readings over HTTPS with a certificate the test made, and warns of none without TLS', async () => {
    const publisher = startHttpSource([
      '--http-host',
      '0.0.0.0',
      '--http-tls-cert',
      certFile,
      '--http-tls-key',
      keyFile,
    ]);
    const startedLine = await line(publisher, 'publisher started');
    expect(startedLine).toMatchObject({ tls: true, authentication: true });
    await line(publisher, 'broker connected');
    const id = uniqueName('tls-reading');
    const body = JSON.stringify({
      id,
      type: 'Sensor',
      content: { temperature_f: 70, time_of_measurement: '2024-01-01T00:00:00Z' },
    });
    expect(await post(startedLine['httpPort'] as number, body)).toBe(202);
    // Plain HTTP to the same port is refused by the TLS handshake.
    await expect(fetch(`http://127.0.0.1:${startedLine['httpPort'] as number}/readings`)).rejects.toThrow();
    expect(publisher.logs.filter((l) => /IN CLEAR/.test(String(l['msg'])))).toHaveLength(0);
    await publisher.stop();
  });

  it('warns that tokens cross the network in clear without TLS off loopback', async () => {
    const publisher = startHttpSource(['--http-host', '0.0.0.0']);
    await line(publisher, 'publisher started');
    expect(publisher.logs.find((l) => /IN CLEAR/.test(String(l['msg'])))).toMatchObject({ level: 40 });
    await publisher.stop();
  });

  it('stops at start-up naming --http-tls-cert when the certificate cannot be read', async () => {
    const publisher = startHttpSource(['--http-tls-cert', join(folder, 'missing.pem'), '--http-tls-key', keyFile]);
    expect(await publisher.exited).toBe(1);
    expect(publisher.logs.find((l) => l['level'] === 60)).toMatchObject({ setting: '--http-tls-cert' });
  });
});
