// The processes the benchmark starts, with what it measures of each: CPU seconds (utime + stime
// from /proc) and peak RSS (VmHWM, sampled every 100 ms). Every process goes through one
// tracker, so that it is stopped by its PID, and only it; the harness's AppProcess runs it.
import { AppProcess } from '@sensors/testing';
import { readProcessCpu, readProcessMemory } from './proc-stats';

const SAMPLE_INTERVAL_MS = 100;

/** A Node.js script to run as a process: a built app, a bundled reference, a tool. */
export interface Launch {
  script: string;
  args: readonly string[];
  env: Record<string, string>;
  /** Names of the benchmark's own variables the process inherits (default: all). */
  inheritEnv?: readonly string[];
}

/** A process started by a {@link ProcessTracker}, sampled until it exits. */
export class MeasuredProcess {
  private lastCpuS = 0;
  private finalCpuS: number | undefined;
  private peakKb = 0;
  private phase = false;
  private readonly sampler: NodeJS.Timeout;

  constructor(
    readonly name: string,
    readonly logFile: string,
    private readonly app: AppProcess,
    onExit: (lastCpuS: number) => number,
  ) {
    this.sample();
    this.sampler = setInterval(() => this.sample(), SAMPLE_INTERVAL_MS);
    // Registered after AppProcess's own listener, in the same turn as the kernel's reaping.
    app.child.once('exit', () => {
      clearInterval(this.sampler);
      this.finalCpuS = onExit(this.lastCpuS);
    });
  }

  get pid(): number {
    return this.app.pid;
  }

  /** Resolves with the exit code, or the signal's name. */
  get exited(): Promise<number | string> {
    return this.app.exited;
  }

  get running(): boolean {
    return this.app.running;
  }

  /** CPU seconds so far, with those of the children it reaped; once it has exited, its whole life's. */
  cpuSeconds(): number {
    if (this.running) this.sample();
    return this.finalCpuS ?? this.lastCpuS;
  }

  peakRssMb(): number {
    if (this.running) this.sample();
    return this.peakKb / 1024;
  }

  /**
   * Peak RSS from now on, for a phase of a longer run (VmHWM cannot be reset, so from here on
   * the peak comes from the VmRSS samples).
   */
  resetPeak(): void {
    this.peakKb = 0;
    this.phase = true;
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 20_000): Promise<void> {
    await this.app.stop(timeoutMs);
  }

  private sample(): void {
    const cpu = readProcessCpu(this.app.pid);
    // With the children it has reaped: a process tree (the source publisher's) counts whole.
    if (cpu) this.lastCpuS = cpu.cpuS + cpu.childrenCpuS;
    const memory = readProcessMemory(this.app.pid);
    if (memory) this.peakKb = Math.max(this.peakKb, memory.rssKb, this.phase ? 0 : memory.peakKb);
  }
}

/**
 * Starts and tracks the benchmark's processes. The CPU time of a child that has exited is gone
 * from /proc, but the kernel adds it to its parent's cutime/cstime when the parent reaps it,
 * which Node does just before 'exit' fires: the growth of those counters between two exits
 * belongs to the child that just exited, as long as every other child's exit moves the ledger
 * too ({@link untracked}).
 */
export class ProcessTracker {
  private readonly live = new Set<MeasuredProcess>();
  private reapedCpuS = this.readReapedCpuS();

  /** Starts `launch`, its output in `logFile`. */
  start(name: string, launch: Launch, { logFile, cwd }: { logFile: string; cwd?: string }): MeasuredProcess {
    const app = new AppProcess({
      main: launch.script,
      label: name,
      args: launch.args,
      env: launch.env,
      inheritEnv: launch.inheritEnv,
      logFile,
      cwd,
    });
    const measured = new MeasuredProcess(name, logFile, app, (lastCpuS) => {
      this.live.delete(measured);
      const reaped = this.readReapedCpuS();
      const delta = reaped - this.reapedCpuS;
      this.reapedCpuS = reaped;
      // Two children reaped in the same turn would share one delta: then the last sample is
      // the better figure (it misses at most 100 ms of CPU).
      return delta >= lastCpuS - 0.02 && delta <= lastCpuS + 1 ? delta : lastCpuS;
    });
    this.live.add(measured);
    return measured;
  }

  /** Runs `launch` to its end within `timeoutMs`; rejects on a non-zero exit, naming the log. */
  async run(
    name: string,
    launch: Launch,
    options: { logFile: string; cwd?: string },
    timeoutMs: number,
  ): Promise<MeasuredProcess> {
    const child = this.start(name, launch, options);
    const timer = setTimeout(() => void child.stop(5000), timeoutMs);
    try {
      const result = await child.exited;
      if (result !== 0) {
        const how = typeof result === 'string' ? `${result}, maybe timed out` : `exit ${result}`;
        throw new Error(`${name} failed (${how}); see ${options.logFile}`);
      }
      return child;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Runs work that starts short-lived children of its own (`rabbitmqctl`, `git`): their CPU
   * lands in this process's reaped-children counters too, so the ledger is moved past it.
   */
  async untracked<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } finally {
      this.reapedCpuS = this.readReapedCpuS();
    }
  }

  /** Stops every process started here that is still running, gracefully first. */
  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.live].map((child) => child.stop(10_000)));
  }

  private readReapedCpuS(): number {
    return readProcessCpu(process.pid)?.childrenCpuS ?? 0;
  }
}
