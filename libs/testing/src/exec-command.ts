import { execFile } from 'node:child_process';

/**
 * Runs a command (no shell) and resolves with its stdout; rejects with its stderr when it
 * fails or runs longer than `timeoutMs` (it is then killed: it is our own child).
 */
export function execCommand(
  command: string,
  args: readonly string[],
  timeoutMs: number,
  { env, cwd }: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args],
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, env, cwd },
      (err, stdout, stderr) => {
        if (err) {
          const detail = String(stderr).trim() || String(stdout).trim() || err.message;
          reject(new Error(`${command} ${args.join(' ')}: ${detail}`));
        } else {
          resolve(String(stdout));
        }
      },
    );
  });
}
