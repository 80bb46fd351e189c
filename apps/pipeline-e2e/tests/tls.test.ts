import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  adminQuery,
  freePort,
  startApp,
  startPostgresCluster,
  startRabbitNode,
  uniqueName,
  type PostgresCluster,
  type RabbitNode,
} from '@sensors/testing';

// A self-signed certificate for 127.0.0.1 made here; a throwaway RabbitMQ node and Postgres
// cluster that take TLS with it, and the apps that connect to them with the documented settings.
let folder: string;
let certFile: string;
let keyFile: string;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'sensors-tls-'));
  [certFile, keyFile] = [join(folder, 'cert.pem'), join(folder, 'key.pem')];
  chmodSync(folder, 0o755);
  await promisify(execFile)('openssl', [
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'],
    ...['-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile],
  ]);
  chmodSync(keyFile, 0o644);
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('amqps', () => {
  let node: RabbitNode;
  let tlsPort: number;

  beforeAll(async () => {
    tlsPort = await freePort();
    node = await startRabbitNode({
      config: [
        `listeners.ssl.default = 127.0.0.1:${tlsPort}`,
        `ssl_options.certfile = ${certFile}`,
        `ssl_options.keyfile = ${keyFile}`,
        'ssl_options.verify = verify_none',
        'ssl_options.fail_if_no_peer_cert = false',
      ],
    });
  }, 180_000);

  afterAll(() => node?.stop());

  it('publishes over an amqps:// URL, trusting the CA given in NODE_EXTRA_CA_CERTS', async () => {
    const queue = uniqueName('tls_q');
    const publisher = startApp(
      'publisher',
      ['--count', '20', '--rate', '0', '--queue', queue, '--exchange', uniqueName('tls_x'), '--metrics-port', '0'],
      { SENSORS_AMQP_URL: `amqps://guest:guest@127.0.0.1:${tlsPort}`, NODE_EXTRA_CA_CERTS: certFile },
    );
    expect(await publisher.exited).toBe(0);
    expect(publisher.lines('broker connected')[0]).toMatchObject({ url: expect.stringMatching(/^amqps:/) });
  });

  it('stops at start-up, saying what to fix, when it cannot verify the certificate', async () => {
    const publisher = startApp('publisher', ['--count', '1', '--metrics-port', '0'], {
      SENSORS_AMQP_URL: `amqps://guest:guest@127.0.0.1:${tlsPort}`,
    });
    expect(await publisher.exited).toBe(1);
    expect(publisher.logs.find((l) => l['level'] === 60)).toMatchObject({
      reason: expect.stringContaining('DEPTH_ZERO_SELF_SIGNED_CERT'),
      fix: expect.stringContaining('NODE_EXTRA_CA_CERTS'),
    });
  });
});

describe('Postgres over TLS', () => {
  let cluster: PostgresCluster;
  const role = 'sensors_tls';

  beforeAll(async () => {
    // The server's key must belong to the server's user; TLS is required of every role but the admin.
    const serverKey = join(folder, 'server-key.pem');
    copyFileSync(keyFile, serverKey);
    chmodSync(serverKey, 0o600);
    if (process.getuid?.() === 0) {
      chownSync(
        serverKey,
        Number(execFileSync('id', ['-u', 'postgres'])),
        Number(execFileSync('id', ['-g', 'postgres'])),
      );
    }
    const hba = join(folder, 'pg_hba.conf');
    writeFileSync(
      hba,
      [
        'local all all trust',
        'hostssl all all 127.0.0.1/32 trust',
        'hostnossl all postgres 127.0.0.1/32 trust',
        'hostnossl all all 127.0.0.1/32 reject',
      ].join('\n') + '\n',
    );
    chmodSync(hba, 0o644);
    cluster = await startPostgresCluster({
      settings: { ssl: 'on', ssl_cert_file: certFile, ssl_key_file: serverKey, hba_file: hba },
    });
    await adminQuery(`CREATE ROLE ${role} LOGIN PASSWORD 'tls'`, [], { url: cluster.adminUrl });
    await adminQuery(`CREATE DATABASE sensors OWNER ${role}`, [], { url: cluster.adminUrl });
  }, 180_000);

  afterAll(() => cluster?.remove());

  it('migrates over TLS with sslmode=verify-full and sslrootcert in the URL', async () => {
    const url = `${cluster.urlFor('sensors', { name: role, password: 'tls' })}?sslmode=verify-full&sslrootcert=${certFile}`;
    const consumer = startApp('consumer', ['migrate'], { SENSORS_DATABASE_URL: url });
    expect(await consumer.exited).toBe(0);
    const [{ count }] = await adminQuery<{ count: string }>(
      "SELECT count(*) FROM pg_tables WHERE tablename = 'sensor_readings'",
      [],
      { url: cluster.urlFor('sensors') },
    );
    expect(Number(count)).toBe(1);
  });

  it('stops at start-up when the server refuses the role without TLS', async () => {
    const consumer = startApp('consumer', ['migrate'], {
      SENSORS_DATABASE_URL: cluster.urlFor('sensors', { name: role, password: 'tls' }),
    });
    expect(await consumer.exited).toBe(1);
    expect(consumer.logs.find((l) => l['level'] === 60)).toMatchObject({ sqlstate: '28000' });
  });
});
