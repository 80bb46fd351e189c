// Runs a set of processes as one: `npm start` uses it for the consumer and the publisher.
// When one of them fails (exits non-zero or is killed by a signal nobody sent it) the others
// are stopped and the returned exit code is non-zero; SIGINT, SIGTERM and SIGHUP stop them all.
// Stopping goes in reverse order of start, each one after the previous has exited, so the
// publisher stops before the consumer that drains what it published.
//
// Each app runs in a process group of its own, so that Ctrl-C in a terminal, which signals the
// whole foreground group, reaches this script alone: the apps then get one SIGTERM each, in that
// order, from here. Signals repeated while stopping (npm forwards the Ctrl-C it gets too) change
// nothing. The price: an app outlives this script when it is killed with SIGKILL; `kill` the
// pids it logged at start.
import { spawn } from 'node:child_process';

/** The signals that stop every app. */
const SIGNALS = /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP']);

/**
 * A process to run: what `child_process.spawn` takes, and a name for the log.
 * @typedef {{ name: string, command: string, args: string[], env?: NodeJS.ProcessEnv, cwd?: string }} App
 */

/**
 * Starts `apps` in order and resolves with the exit code for the caller: 0 when they all
 * finished with 0 or stopped cleanly on request, else the first failure's code (1 for a signal),
 * an unclean stop (an app exiting non-zero after its SIGTERM) included.
 * @param {readonly App[]} apps
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {Promise<number>}
 */
export function supervise(apps, { log = console.log } = {}) {
  /** @type {Set<{ name: string, child: import('node:child_process').ChildProcess, signalled: boolean }>} */
  const running = new Set();
  let stopping = false;
  let exitCode = 0;
  /** @type {(code: number) => void} */
  let resolve = () => undefined;
  /** @type {Promise<number>} */
  const finished = new Promise((settle) => (resolve = settle));
  /** @param {number} code */
  const done = (code) => {
    for (const signal of SIGNALS) process.off(signal, onSignal);
    resolve(code);
  };

  // Each app is signalled once, the last running first, however often this is called.
  const stopNext = () => {
    const last = [...running].pop();
    if (!last) done(exitCode);
    else if (!last.signalled) {
      last.signalled = true;
      last.child.kill('SIGTERM');
    }
  };
  /** @param {number} code */
  const stopAll = (code) => {
    if (!stopping) {
      stopping = true;
      exitCode = code;
    }
    stopNext();
  };
  const onSignal = () => stopAll(0);
  for (const signal of SIGNALS) process.on(signal, onSignal);

  for (const app of apps) {
    const child = spawn(app.command, app.args, { cwd: app.cwd, env: app.env, stdio: 'inherit', detached: true });
    const entry = { name: app.name, child, signalled: false };
    running.add(entry);
    if (child.pid !== undefined) log(`${app.name} started (pid ${child.pid})`);
    child.on('exit', (code, signal) => {
      running.delete(entry);
      log(`${app.name} exited (${signal ?? code})`);
      if (stopping) {
        if (exitCode === 0 && code !== 0) exitCode = code ?? 1;
        return stopNext();
      }
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
