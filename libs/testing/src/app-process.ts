import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { withTimeout } from './wait';

/** A parsed NDJSON log line of an app (pino: `time` in ms since the epoch, `msg`); other lines are `{ raw }`. */
export type LogLine = Record<string, unknown> & { time?: number; msg?: string };

/** Every app process started here and still running: killed by pid if the test process exits. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
});

/** Options of {@link AppProcess}. */
export interface AppProcessOptions {
  /** Absolute path of the built `main.js`. */
  main: string;
  label: string;
  args?: readonly string[];
  env: Record<string, string>;
  /**
   * Names of this process's variables the child inherits (default: all). The drill passes a
   * short list, so that no app setting leaks in from the shell.
   */
  inheritEnv?: readonly string[];
  /** Where the raw output goes, for after the test (a failing assertion shows only what it compared). */
  logFile: string;
  stdin?: 'ignore' | 'pipe';
  /** The child's working folder (default: this process's). */
  cwd?: string;
  /** Samples VmRSS from /proc every this many ms (0: never). */
  rssIntervalMs?: number;
}

/** A built app running as a child process, with its NDJSON log lines collected. */
export class AppProcess {
  readonly logs: LogLine[] = [];
  readonly startedAt = Date.now();
  /** [time, resident set size in KiB] */
  readonly rss: [number, number][] = [];
  readonly pid: number;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
  readonly child: ChildProcess;
  exitedAt: number | undefined;
  exitResult: number | string | undefined;
  private readonly logFile: WriteStream;
  private partial = '';

  constructor(readonly options: AppProcessOptions) {
    const inherited = options.inheritEnv
      ? Object.fromEntries(options.inheritEnv.map((name) => [name, process.env[name]]))
      : process.env;
    mkdirSync(dirname(options.logFile), { recursive: true });
    this.logFile = createWriteStream(options.logFile);
    this.child = spawn(process.execPath, [options.main, ...(options.args ?? [])], {
      env: { ...inherited, ...options.env },
      cwd: options.cwd,
      stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
    });
    if (this.child.pid === undefined) throw new Error(`could not start ${options.label}`);
    this.pid = this.child.pid;
    running.add(this.child);
    this.child.stdout?.on('data', (chunk: Buffer) => this.collect(chunk));
    this.child.stderr?.on('data', (chunk: Buffer) => this.collect(chunk));
    let rssTimer: NodeJS.Timeout | undefined;
    if (options.rssIntervalMs) {
      rssTimer = setInterval(() => this.sampleRss(), options.rssIntervalMs);
      this.sampleRss();
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        clearInterval(rssTimer);
        running.delete(this.child);
        this.exitedAt = Date.now();
        this.exitResult = code ?? signal ?? 'unknown';
        if (this.partial) this.pushLine(this.partial);
        this.logFile.end();
        resolve(this.exitResult);
      });
    });
  }

  get label(): string {
    return this.options.label;
  }

  get running(): boolean {
    return this.exitedAt === undefined;
  }

  /** Whether the process was alive at `time`. */
  aliveAt(time: number): boolean {
    return this.startedAt <= time && (this.exitedAt === undefined || this.exitedAt > time);
  }

  /** Log lines with this message. */
  lines(msg: string): LogLine[] {
    return this.logs.filter((line) => line.msg === msg);
  }

  /** Sends a signal to this process, by its pid. */
  signal(signal: NodeJS.Signals): void {
    if (!this.running) return;
    try {
      process.kill(this.pid, signal);
    } catch {
      // It exited meanwhile.
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited after `timeoutMs` (default 30 s). Resolves with the exit. */
  async stop(timeoutMs = 30_000): Promise<number | string> {
    if (!this.running) return this.exited;
    this.signal('SIGTERM');
    try {
      return await withTimeout(`${this.label} to exit`, this.exited, timeoutMs);
    } catch {
      this.signal('SIGKILL');
      return withTimeout(`${this.label} to exit after SIGKILL`, this.exited, 10_000);
    }
  }

  private collect(chunk: Buffer): void {
    this.logFile.write(chunk);
    const lines = (this.partial + chunk.toString()).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) if (line) this.pushLine(line);
  }

  private pushLine(line: string): void {
    try {
      this.logs.push(JSON.parse(line) as LogLine);
    } catch {
      this.logs.push({ raw: line, time: Date.now() });
    }
  }

  private sampleRss(): void {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
      if (match) this.rss.push([Date.now(), Number(match[1])]);
    } catch {
      // The process exited between two samples.
    }
  }
}

/**
 * Starts `node dist/apps/<app>/main.js` (build it first) with this process's environment plus
 * `env`; its output is also kept in `tmp/test-logs/<app>-<pid>.ndjson`. With `stdin: 'pipe'`,
 * the test writes the app's standard input through `child.stdin`.
 */
export function startApp(
  app: 'publisher' | 'consumer',
  args: string[],
  env: Record<string, string>,
  { stdin = 'ignore' }: { stdin?: 'ignore' | 'pipe' } = {},
): AppProcess {
  const root = join(__dirname, '../../..');
  return new AppProcess({
    main: join(root, 'dist/apps', app, 'main.js'),
    label: app,
    args,
    env: { SENSORS_LOG_LEVEL: 'info', ...env },
    logFile: join(root, 'tmp/test-logs', `${app}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.ndjson`),
    stdin,
  });
}
