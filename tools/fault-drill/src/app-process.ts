import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { withTimeout } from './wait';

/** A parsed NDJSON log line of an app (pino: `time` in ms since the epoch, `msg`). */
export type LogLine = Record<string, unknown> & { time?: number; msg?: string };

/**
 * The only variables a child inherits from the drill's environment: a whitelist, so that no app
 * setting leaks in from the shell, whatever options the apps gain later.
 */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

/** Every app process the drill started and that may still run: killed by pid if the drill exits. */
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

export interface StartAppOptions {
  /** Absolute path of the built `main.js`. */
  main: string;
  label: string;
  args: readonly string[];
  env: Record<string, string>;
  /** Where the raw NDJSON goes, for the record. */
  logFile: string;
  /** Samples VmRSS from /proc every this many ms (0: never). */
  rssIntervalMs?: number;
}

/** A built app running as a child process of the drill. */
export class AppProcess {
  readonly logs: LogLine[] = [];
  readonly startedAt = Date.now();
  /** [time, resident set size in KiB] */
  readonly rss: [number, number][] = [];
  readonly pid: number;
  readonly exited: Promise<number | string>;
  exitedAt: number | undefined;
  exitResult: number | string | undefined;
  private readonly child: ChildProcess;
  private readonly logFile: WriteStream;
  private partial = '';

  constructor(readonly options: StartAppOptions) {
    const env = Object.fromEntries(INHERITED_ENV.map((name) => [name, process.env[name]]));
    this.logFile = createWriteStream(options.logFile);
    this.child = spawn(process.execPath, [options.main, ...options.args], {
      env: { ...env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
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

  /** SIGTERM, then SIGKILL if it has not exited after `timeoutMs`. Resolves with the exit. */
  async stop(timeoutMs: number): Promise<number | string> {
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
