import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@sensors/testing';

// `npm start` runs the apps through supervise.mjs; these runs give it stand-in
// apps (small node scripts) so that failures can be made at will.
const supervisor = join(__dirname, '../supervise.mjs');
// Plain writes, not console.log: under Nx, FORCE_COLOR would colour the numbers.
const longRunning = `process.stdout.write('pid ' + process.pid + '\\n');
process.on('SIGTERM', () => { process.stdout.write('stopped ' + process.pid + '\\n'); process.exit(0); });
setInterval(() => undefined, 1000);`;
/** A stand-in app whose stop on request fails. */
const exitsFourOnSigterm = `process.stdout.write('pid ' + process.pid + '\\n');
process.on('SIGTERM', () => process.exit(4));
setInterval(() => undefined, 1000);`;

/**
 * A stand-in app that says which signals it gets and when it exits (0); it stops on the first,
 * once `finishFile` exists when given: a publisher draining what it has sent.
 */
function signalRecorder(name: string, finishFile?: string): string {
  return `const { existsSync } = require('node:fs');
process.stdout.write('pid ' + process.pid + '\\n');
const say = (event) => process.stdout.write(${JSON.stringify(name)} + ' ' + event + '\\n');
const finishFile = ${JSON.stringify(finishFile ?? null)};
let stopping = false;
const finish = () => { say('exits'); process.exit(0); };
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => {
  say('got ' + signal);
  if (stopping) return;
  stopping = true;
  if (finishFile === null) finish();
  else setInterval(() => existsSync(finishFile) && finish(), 10);
});
setInterval(() => undefined, 1000);`;
}

const runs: { child: ChildProcess; output: () => string }[] = [];
const folder = mkdtempSync(join(tmpdir(), 'supervise-'));
const finishFile = join(folder, 'finish');

afterEach(async () => {
  // A supervisor left by a failed test takes its stand-in apps down with it; what outlived it goes.
  writeFileSync(finishFile, '');
  for (const { child, output } of runs.splice(0)) {
    if (!ended(child)) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    for (const pid of pids(output()).filter(alive)) process.kill(pid, 'SIGKILL');
  }
  rmSync(finishFile, { force: true });
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

function superviseApps(
  apps: Record<string, string>,
  { detached = false } = {},
): { child: ChildProcess; output: () => string; exited: Promise<[number | null, NodeJS.Signals | null]> } {
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
    // Detached: a process group of its own, as `npm start` has in a terminal.
    { stdio: ['ignore', 'pipe', 'pipe'], detached },
  );
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const run = { child, output: () => output, exited };
  runs.push(run);
  return run;
}

async function bothStarted(run: { child: ChildProcess; output: () => string }): Promise<void> {
  try {
    await waitFor('both apps started', () => pids(run.output()).length === 2 || ended(run.child));
  } catch (err) {
    throw new Error(`${(err as Error).message}; the supervisor printed: ${JSON.stringify(run.output())}`, {
      cause: err,
    });
  }
}

/** What the stand-in apps said and what the supervisor logged of them, in order. */
const events = (output: string) =>
  output.split('\n').filter((line) => /^(publisher|consumer) (got|exits|exited)/.test(line));

/** The stop `npm start` promises: the publisher first, each app signalled once, all exiting 0. */
const orderlyStop = [
  'publisher got SIGTERM',
  'publisher exits',
  'publisher exited (0)',
  'consumer got SIGTERM',
  'consumer exits',
  'consumer exited (0)',
];

const ended = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;
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

  it.each([
    ['exits 0 when each stops cleanly', longRunning, 0, 2],
    ['exits with the code of an app that stops uncleanly', exitsFourOnSigterm, 4, 1],
  ])('stops every app on SIGTERM and %s', async (_, publisher, exitCode, cleanStops) => {
    const run = superviseApps({ consumer: longRunning, publisher });
    await bothStarted(run);
    run.child.kill('SIGTERM');
    const [code] = (await once(run.child, 'exit')) as [number | null];
    expect(code).toBe(exitCode);
    expect(run.output()).toContain(`publisher exited (${exitCode})`);
    expect(run.output().match(/^stopped \d+$/gm)).toHaveLength(cleanStops);
    expect(pids(run.output()).filter(alive)).toEqual([]);
  });

  it('stops the last started app first', async () => {
    const run = superviseApps({ consumer: longRunning, publisher: longRunning });
    await bothStarted(run);
    run.child.kill('SIGTERM');
    await once(run.child, 'exit');
    expect(run.output().indexOf('publisher exited')).toBeLessThan(run.output().indexOf('consumer exited'));
  });

  it('stops the publisher, then the consumer, each once, when its process group gets SIGINT (Ctrl-C)', async () => {
    const run = superviseApps(
      { consumer: signalRecorder('consumer'), publisher: signalRecorder('publisher', finishFile) },
      { detached: true },
    );
    await bothStarted(run);
    const group = run.child.pid;
    // Never -0: that would be this test's own group.
    if (group === undefined) throw new Error('the supervisor has no pid');
    process.kill(-group, 'SIGINT');
    await waitFor('the publisher stopping', () => /^publisher got /m.test(run.output()) || ended(run.child));
    writeFileSync(finishFile, '');
    const [code] = await run.exited;
    expect(events(run.output())).toEqual(orderlyStop);
    expect(code).toBe(0);
    expect(pids(run.output()).filter(alive)).toEqual([]);
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)(
    'stops the publisher, then the consumer, each once, on %s sent to it twice',
    async (signal) => {
      // npm forwards the Ctrl-C it gets to the script, which has had it from the terminal too.
      const run = superviseApps({
        consumer: signalRecorder('consumer'),
        publisher: signalRecorder('publisher', finishFile),
      });
      await bothStarted(run);
      run.child.kill(signal);
      await waitFor('the publisher stopping', () => /^publisher got /m.test(run.output()) || ended(run.child));
      run.child.kill(signal);
      writeFileSync(finishFile, '');
      const [code] = await run.exited;
      expect(events(run.output())).toEqual(orderlyStop);
      expect(code).toBe(0);
      expect(pids(run.output()).filter(alive)).toEqual([]);
    },
  );
});
