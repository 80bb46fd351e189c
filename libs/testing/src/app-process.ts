import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** A built app running as a child process, with its NDJSON log lines collected. */
export interface AppProcess {
  child: ChildProcess;
  /** Every log line so far, parsed (lines that are not JSON are kept as `{ raw }`). */
  logs: Record<string, unknown>[];
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  /** Sends SIGTERM and waits for the exit. */
  stop(): Promise<number | string>;
}

/**
 * Starts `node dist/apps/<app>/main.js` (build it first) from the workspace root with extra
 * environment variables and arguments. Its output is also kept in `tmp/test-logs/<app>-<pid>.ndjson`.
 * With `stdin: 'pipe'`, the test writes the app's standard input through `child.stdin`.
 */
export function startApp(
  app: 'publisher' | 'consumer',
  args: string[],
  env: Record<string, string>,
  { stdin = 'ignore' }: { stdin?: 'ignore' | 'pipe' } = {},
): AppProcess {
  const root = join(__dirname, '../../..');
  const child = spawn(process.execPath, [join(root, 'dist/apps', app, 'main.js'), ...args], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: [stdin, 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  // Kept for after the test, since a failing assertion shows only what it compared.
  const logDir = join(root, 'tmp/test-logs');
  mkdirSync(logDir, { recursive: true });
  const file = createWriteStream(join(logDir, `${app}-${child.pid}.ndjson`));
  child.stdout?.pipe(file, { end: false });
  child.stderr?.pipe(file, { end: false });
  let partial = '';
  const collect = (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines.filter(Boolean)) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ raw: line });
      }
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  return {
    child,
    logs,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
