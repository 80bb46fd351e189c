import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
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
 * environment variables and arguments.
 */
export function startApp(app: 'publisher' | 'consumer', args: string[], env: Record<string, string>): AppProcess {
  const root = join(__dirname, '../../..');
  const child = spawn(process.execPath, [join(root, 'dist/apps', app, 'main.js'), ...args], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
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
