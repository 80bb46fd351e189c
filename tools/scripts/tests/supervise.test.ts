import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { waitFor } from '@sensors/testing';

// `npm start` runs the apps through supervise.mjs; these runs give it stand-in
// apps (small node scripts) so that failures can be made at will.
const supervisor = join(__dirname, '../supervise.mjs');
// Plain writes, not console.log: under Nx, FORCE_COLOR would colour the numbers.
const longRunning = `process.stdout.write('pid ' + process.pid + '\\n');
process.on('SIGTERM', () => { process.stdout.write('stopped ' + process.pid + '\\n'); process.exit(0); });
setInterval(() => undefined, 1000);`;

const supervisors: ChildProcess[] = [];

afterEach(() => {
  // A supervisor left by a failed test takes its stand-in apps down with it.
  for (const child of supervisors.splice(0)) if (child.exitCode === null) child.kill('SIGTERM');
});

function superviseApps(apps: Record<string, string>): { child: ChildProcess; output: () => string } {
  const list = Object.entries(apps).map(([name, script]) => ({
    name,
    command: process.execPath,
    args: ['-e', script],
  }));
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { supervise } from ${JSON.stringify(supervisor)};
       process.exitCode = await supervise(${JSON.stringify(list)});`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  supervisors.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function bothStarted(run: { child: ChildProcess; output: () => string }): Promise<void> {
  try {
    await waitFor('both apps started', () => pids(run.output()).length === 2 || run.child.exitCode !== null);
  } catch (err) {
    throw new Error(`${(err as Error).message}; the supervisor printed: ${JSON.stringify(run.output())}`, {
      cause: err,
    });
  }
}

const pids = (output: string) => [...output.matchAll(/^pid (\d+)$/gm)].map((match) => Number(match[1]));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

jest.setTimeout(60_000);

describe('supervise', () => {
  it('stops the other apps and exits non-zero when one app dies', async () => {
    const run = superviseApps({ consumer: longRunning, publisher: 'setTimeout(() => process.exit(3), 300);' });
    const [code] = (await once(run.child, 'exit')) as [number | null];
    expect(code).toBe(3);
    expect(run.output()).toContain('publisher exited (3)');
    expect(run.output()).toContain('consumer exited');
    expect(pids(run.output()).filter(alive)).toEqual([]);
  });

  it('stops every app on SIGTERM and exits 0', async () => {
    const run = superviseApps({ consumer: longRunning, publisher: longRunning });
    await bothStarted(run);
    run.child.kill('SIGTERM');
    const [code] = (await once(run.child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(run.output().match(/^stopped \d+$/gm)).toHaveLength(2);
    expect(pids(run.output()).filter(alive)).toEqual([]);
  });

  it('stops the last started app first', async () => {
    const run = superviseApps({ consumer: longRunning, publisher: longRunning });
    await bothStarted(run);
    run.child.kill('SIGTERM');
    await once(run.child, 'exit');
    expect(run.output().indexOf('publisher exited')).toBeLessThan(run.output().indexOf('consumer exited'));
  });
});
