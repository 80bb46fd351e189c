import { chownSync, readdirSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Whether this process runs as root: servers then run as their own user (`rabbitmq`, `postgres`). */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * The command and arguments that run `command` as `user` when this process is root (servers
 * refuse to run as root, or write files the service user cannot read), else as is.
 */
export function asServiceUser(user: string, command: string, args: readonly string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', user, '--', command, ...args]] : [command, [...args]];
}

/** Gives `dir` (recursively) to `user` when this process is root, so the server it runs as may use it. */
export function giveTo(user: string, dir: string): void {
  if (!isRoot()) return;
  const uid = Number(execFileSync('id', ['-u', user]).toString());
  const gid = Number(execFileSync('id', ['-g', user]).toString());
  const walk = (path: string) => {
    chownSync(path, uid, gid);
    if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
  };
  walk(dir);
}
