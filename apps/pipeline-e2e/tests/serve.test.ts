import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { deleteBrokerObjects, testAmqpUrl, uniqueName, waitFor } from '@sensors/testing';

const root = join(__dirname, '../../..');

/** Runs a command at the workspace's root with Nx's daemon and cloud off; `output()` is its stdout and stderr so far. */
function spawnAtRoot(command: string, args: string[], stdin: 'ignore' | 'pipe') {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
    stdio: [stdin, 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr])
    stream?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

/** The publisher's flags for the machine's broker, with a queue and exchange named `queue` of the test's own. */
const brokerArgs = (queue: string) => [
  `--amqp-url=${testAmqpUrl}`,
  `--queue=${queue}`,
  `--exchange=${queue}`,
  '--metrics-port=0',
];

const deleteQueue = (queue: string) =>
  deleteBrokerObjects({ queues: [queue, `${queue}.dead-letter`], exchanges: [queue, `${queue}.dead-letter`] });

describe('nx serve', () => {
  it('builds once and runs the app with the arguments given, without a debugger', async () => {
    const queue = uniqueName('serve');
    const serve = ['nx', 'serve', 'publisher', '--output-style=stream', '--', '--count=5', '--rate=0'];
    const { child, output } = spawnAtRoot('npx', [...serve, ...brokerArgs(queue)], 'ignore');
    try {
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
      // Built at most once: the build may also come from Nx's cache.
      expect((output().match(/nx run publisher:build/g) ?? []).length).toBeLessThanOrEqual(1);
      expect(output()).toContain('"confirmed":5');
      expect(output()).not.toContain('Debugger listening');
    } finally {
      await deleteQueue(queue);
    }
  }, 180_000);

  it('shows the graceful shutdown on Ctrl-C at a terminal', async () => {
    const queue = uniqueName('serve-ctrl-c');
    // util-linux's `script` gives Nx a terminal; a ^C typed into it reaches the foreground
    // process group as SIGINT, as it does for a user at a shell.
    const command = ['npx nx serve publisher --output-style=stream --', '--rate=10', ...brokerArgs(queue)].join(' ');
    const { child, output } = spawnAtRoot('script', ['-qfec', command, '/dev/null'], 'pipe');
    const exited = once(child, 'exit') as Promise<[number | null]>;
    try {
      await waitFor('the publisher to connect', () => output().includes('broker connected'), { timeoutMs: 150_000 });
      child.stdin?.write('\x03');
      const [code] = await exited;
      // 130: Nx ends as a process stopped by SIGINT does, after the app's own shutdown.
      expect(code).toBe(130);
      expect(output()).toContain('publisher stopped; every published reading is confirmed');
    } finally {
      child.kill('SIGKILL');
      await deleteQueue(queue);
    }
  }, 180_000);
});
