// Child processes the benchmark starts, with what it measures of each: CPU seconds (utime +
// stime from /proc) and peak RSS (VmHWM, sampled every 100 ms). Every process the benchmark
// starts goes through `startProcess`, so that it can be killed by its PID, and only it.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
const SAMPLE_INTERVAL_MS = 100;

/** Processes started and not yet exited, for the emergency kill on the way out. */
const live = new Set();

/**
 * CPU seconds of a process and of its reaped children, or undefined once it is gone.
 * Fields after the `(comm)` field, which may itself hold spaces: utime is field 14.
 */
export function readProcessCpu(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    comm: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')),
    cpuS: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS,
    childrenCpuS: (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS,
  };
}

/** Resident memory now and its peak so far, in kB, or undefined once the process is gone. */
export function readProcessMemory(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { rssKb: kb('VmRSS'), peakKb: kb('VmHWM') };
}

/** PIDs of all processes, with their parent PIDs. */
function listProcesses() {
  const processes = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      processes.push({ pid: entry, ppid: text.slice(text.lastIndexOf(')') + 2).split(' ')[1] });
    } catch {
      // gone meanwhile
    }
  }
  return processes;
}

/** The PID of the process listening on a local TCP port, or undefined. */
export function findListeningPid(port) {
  const inodes = new Set();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local address, state 0A = LISTEN, inode
      if (fields.length > 9 && parseInt(fields[1].split(':')[1], 16) === port && fields[3] === '0A')
        inodes.add(fields[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const { pid } of listProcesses()) {
    let fds;
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link;
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (link.startsWith('socket:[') && inodes.has(link.slice(8, -1))) return pid;
    }
  }
  return undefined;
}

/**
 * CPU seconds, by PID, of the server listening on `port` and of its child processes (Postgres
 * runs a process per connection): other servers of the same kind on the machine are left out.
 */
export function readServerTreeCpu(port) {
  const byPid = new Map();
  const root = findListeningPid(port);
  if (root === undefined) return byPid;
  for (const { pid, ppid } of listProcesses()) {
    if (pid !== root && ppid !== root) continue;
    const cpu = readProcessCpu(pid);
    if (cpu) byPid.set(pid, cpu.cpuS);
  }
  return byPid;
}

/**
 * CPU seconds spent between two `readServerTreeCpu` snapshots by the processes alive at the
 * second (those started in between count in full; those that exited in between are lost).
 */
export function cpuSpentBetween(before, after) {
  let total = 0;
  for (const [pid, cpuS] of after) total += cpuS - (before.get(pid) ?? 0);
  return total;
}

/** CPU seconds the whole machine has spent busy (all cores, everything but idle and iowait). */
export function readMachineBusyCpu() {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/);
  return [user, nice, system, irq, softirq, steal].reduce((sum, v) => sum + Number(v), 0) / CLOCK_TICKS;
}

// The CPU time of a child that has exited is gone from /proc, but the kernel adds it to its
// parent's cutime/cstime when the parent reaps it, which Node does just before 'exit' fires.
// Since every child goes through startProcess, the growth of those counters between two exits
// belongs to the child that just exited.
let reapedCpuS = readProcessCpu(process.pid).childrenCpuS;

/**
 * Starts a process with its output in `logFile` and samples its CPU and memory until it exits.
 *
 * @returns {{
 *   name: string, pid: number, exited: Promise<{ code: number | null, signal: string | null }>,
 *   running: () => boolean, cpuSeconds: () => number, peakRssMb: () => number,
 *   resetPeak: () => void, stop: (timeoutMs?: number) => Promise<void>,
 * }}
 */
export function startProcess(name, command, args, { env, cwd, logFile }) {
  const fd = openSync(logFile, 'a');
  let child;
  try {
    child = spawn(command, args, { cwd, env, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  let lastCpuS = 0;
  let finalCpuS;
  let peakKb = 0;
  let phase = false;
  let exitInfo;
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    // Also the listener that keeps a failed spawn or kill from throwing.
    child.on(
      'error',
      (err) => child.pid === undefined && resolve({ code: null, signal: `spawn failed: ${err.message}` }),
    );
  });
  const handle = {
    name,
    pid: child.pid,
    exited,
    running: () => exitInfo === undefined && child.pid !== undefined,
    cpuSeconds: () => {
      if (exitInfo === undefined) sample();
      return finalCpuS ?? lastCpuS;
    },
    peakRssMb: () => {
      if (exitInfo === undefined) sample();
      return peakKb / 1024;
    },
    // Peak RSS from now on, for a phase of a longer run (VmHWM cannot be reset, so from here
    // on the peak comes from the VmRSS samples).
    resetPeak: () => {
      peakKb = 0;
      phase = true;
    },
    stop: async (timeoutMs = 20_000) => {
      if (!handle.running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => handle.running() && child.kill('SIGKILL'), timeoutMs);
      try {
        await handle.exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  function sample() {
    const cpu = readProcessCpu(child.pid);
    if (cpu) lastCpuS = cpu.cpuS;
    const memory = readProcessMemory(child.pid);
    if (memory) peakKb = Math.max(peakKb, memory.rssKb, phase ? 0 : memory.peakKb);
  }
  if (child.pid === undefined) {
    exitInfo = { code: null, signal: 'spawn failed' };
    return handle;
  }
  live.add(handle);
  sample();
  const sampler = setInterval(sample, SAMPLE_INTERVAL_MS);
  child.on('exit', (code, signal) => {
    clearInterval(sampler);
    live.delete(handle);
    exitInfo = { code, signal };
    const reaped = readProcessCpu(process.pid).childrenCpuS;
    const delta = reaped - reapedCpuS;
    reapedCpuS = reaped;
    // Two children reaped in the same turn would share one delta: then the last sample is
    // the better figure (it misses at most 100 ms of CPU).
    finalCpuS = delta >= lastCpuS - 0.02 && delta <= lastCpuS + 1 ? delta : lastCpuS;
  });
  return handle;
}

/** Runs a command to its end within `timeoutMs`; rejects on a non-zero exit, naming the log. */
export async function runToEnd(name, command, args, options, timeoutMs) {
  const child = startProcess(name, command, args, options);
  const timer = setTimeout(() => void child.stop(5000), timeoutMs);
  try {
    const { code, signal } = await child.exited;
    if (code !== 0) {
      throw new Error(
        `${name} failed (${signal ?? `exit ${code}`}${signal ? ', maybe timed out' : ''}); see ${options.logFile}`,
      );
    }
    return child;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs a short command synchronously and returns its stdout. Its CPU is added to this
 * process's reaped-children counters too, so the ledger is moved past it.
 */
export function runSync(command, args, timeoutMs = 60_000) {
  try {
    return execFileSync(command, args, { timeout: timeoutMs, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  } finally {
    reapedCpuS = readProcessCpu(process.pid).childrenCpuS;
  }
}

/** Kills, by PID, every process started here that is still running (last resort, synchronous). */
export function killAllStarted() {
  for (const handle of live) {
    try {
      process.kill(handle.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Stops every process started here that is still running, gracefully first. */
export async function stopAllStarted() {
  await Promise.allSettled([...live].map((handle) => handle.stop(10_000)));
}

/** Reads what a process wrote, e.g. to quote its last lines in an error. */
export function tailOf(logFile, lines = 15) {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
