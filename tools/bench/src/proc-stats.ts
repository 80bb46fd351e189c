// What the kernel says about processes, from /proc: CPU seconds (utime + stime), resident
// memory and its peak, which process listens on a port, and the whole machine's busy time.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** A process's CPU seconds, and those of its children it has reaped. */
export interface ProcessCpu {
  comm: string;
  cpuS: number;
  childrenCpuS: number;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of a process and of its reaped children, or undefined once it is gone.
 * Fields after the `(comm)` field, which may itself hold spaces: utime is field 14.
 */
export function readProcessCpu(pid: number): ProcessCpu | undefined {
  const text = readText(`/proc/${pid}/stat`);
  if (text === undefined) return undefined;
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const seconds = (a: number, b: number) => (Number(fields[a]) + Number(fields[b])) / CLOCK_TICKS;
  return {
    comm: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')),
    cpuS: seconds(11, 12),
    childrenCpuS: seconds(13, 14),
  };
}

/** Resident memory now and its peak so far (VmHWM), in kB, or undefined once the process is gone. */
export function readProcessMemory(pid: number): { rssKb: number; peakKb: number } | undefined {
  const text = readText(`/proc/${pid}/status`);
  if (text === undefined) return undefined;
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { rssKb: kb('VmRSS'), peakKb: kb('VmHWM') };
}

/** PIDs of all processes, with their parent PIDs. */
function listProcesses(): { pid: number; ppid: number }[] {
  const processes: { pid: number; ppid: number }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const text = readText(`/proc/${entry}/stat`);
    if (text === undefined) continue; // gone meanwhile
    processes.push({ pid: Number(entry), ppid: Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]) });
  }
  return processes;
}

/** Inodes of the sockets listening on a local TCP port. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of (readText(file) ?? '').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local address, state 0A = LISTEN, inode
      if (fields.length > 9 && parseInt(fields[1].split(':')[1], 16) === port && fields[3] === '0A') {
        inodes.add(fields[9]);
      }
    }
  }
  return inodes;
}

/** The PID of the process listening on a local TCP port, or undefined. */
export function findListeningPid(port: number): number | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  for (const { pid } of listProcesses()) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link: string;
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

/** CPU seconds by PID. */
export type CpuByPid = Map<number, number>;

/**
 * CPU seconds, by PID, of the server listening on `port` and of its child processes (Postgres
 * runs a process per connection): other servers of the same kind on the machine are left out.
 */
export function readServerTreeCpu(port: number): CpuByPid {
  const byPid: CpuByPid = new Map();
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
export function cpuSpentBetween(before: CpuByPid, after: CpuByPid): number {
  let total = 0;
  for (const [pid, cpuS] of after) total += cpuS - (before.get(pid) ?? 0);
  return total;
}

/** CPU seconds the whole machine has spent busy (all cores, everything but idle and iowait). */
export function readMachineBusyCpu(): number {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/);
  return [user, nice, system, irq, softirq, steal].reduce((sum, v) => sum + Number(v), 0) / CLOCK_TICKS;
}
