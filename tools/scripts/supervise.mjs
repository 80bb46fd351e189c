// Runs a set of processes as one: `npm start` uses it for the consumer and the publisher.
// When one of them fails (exits non-zero or is killed by a signal nobody sent it) the others
// are stopped and the returned exit code is non-zero; SIGINT and SIGTERM stop them all. Stopping
// goes in reverse order of start, each one after the previous has exited, so the publisher
// stops before the consumer that drains what it published.
import { spawn } from 'node:child_process';

/**
 * A process to run: what `child_process.spawn` takes, and a name for the log.
 * @typedef {{ name: string, command: string, args: string[], env?: NodeJS.ProcessEnv, cwd?: string }} App
 */

/**
 * Starts `apps` in order and resolves with the exit code for the caller: 0 when they were
 * stopped on request or all finished with 0, else the first failure's code (1 for a signal).
 * @param {readonly App[]} apps
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {Promise<number>}
 */
export function supervise(apps, { log = console.log } = {}) {
  /** @type {Set<{ name: string, child: import('node:child_process').ChildProcess }>} */
  const running = new Set();
  let stopping = false;
  let exitCode = 0;
  /** @type {(code: number) => void} */
  let done = () => undefined;
  /** @type {Promise<number>} */
  const finished = new Promise((resolve) => (done = resolve));

  const stopNext = () => {
    const last = [...running].pop();
    if (last) last.child.kill('SIGTERM');
    else done(exitCode);
  };
  /** @param {number} code */
  const stopAll = (code) => {
    if (!stopping) {
      stopping = true;
      exitCode = code;
      for (const signal of ['SIGINT', 'SIGTERM']) process.off(signal, onSignal);
    }
    stopNext();
  };
  const onSignal = () => stopAll(0);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, onSignal);

  for (const app of apps) {
    const child = spawn(app.command, app.args, { cwd: app.cwd, env: app.env, stdio: 'inherit' });
    const entry = { name: app.name, child };
    running.add(entry);
    child.on('exit', (code, signal) => {
      running.delete(entry);
      log(`${app.name} exited (${signal ?? code})`);
      if (stopping) return stopNext();
      if (code !== 0) return stopAll(code ?? 1);
      // Finished its work (a publisher run with --count): the others go on until stopped.
      if (running.size === 0) done(exitCode);
    });
    child.on('error', (err) => {
      log(`${app.name} could not start: ${err.message}`);
      if (running.delete(entry)) stopAll(1);
    });
  }
  return finished;
}
