import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { deleteBrokerObjects, testAmqpUrl, uniqueName } from '@sensors/testing';

const root = join(__dirname, '../../..');

describe('nx serve', () => {
  it('builds once and runs the app with the arguments given, without a debugger', async () => {
    const queue = uniqueName('serve');
    const child = spawn(
      'npx',
      [
        'nx',
        'serve',
        'publisher',
        '--output-style=stream',
        '--',
        '--count=5',
        '--rate=0',
        `--amqp-url=${testAmqpUrl}`,
        `--queue=${queue}`,
        `--exchange=${queue}`,
        '--metrics-port=0',
      ],
      {
        cwd: root,
        env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
      // Built at most once: the build may also come from Nx's cache.
      expect((output.match(/nx run publisher:build/g) ?? []).length).toBeLessThanOrEqual(1);
      expect(output).toContain('"confirmed":5');
      expect(output).not.toContain('Debugger listening');
    } finally {
      await deleteBrokerObjects({ queues: [queue, `${queue}.dead-letter`], exchanges: [queue] });
    }
  }, 180_000);
});
