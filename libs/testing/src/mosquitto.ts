import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isListening } from './free-port';
import { waitFor, withTimeout } from './wait';

/** Options of {@link startMosquitto}. */
export interface MosquittoOptions {
  /**
   * Saves sessions and queued messages in the broker's own folder, so that they survive
   * {@link MosquittoBroker.kill} with SIGTERM and {@link MosquittoBroker.restart} (default false).
   */
  persistence?: boolean;
  /** More `mosquitto.conf` lines, e.g. `max_queued_messages 100000`. */
  config?: readonly string[];
}

/** A Mosquitto broker of a test's own (see {@link startMosquitto}). */
export interface MosquittoBroker {
  readonly port: number;
  /** `mqtt://127.0.0.1:<port>` */
  readonly url: string;
  /** The broker's own folder: its configuration and, with persistence, `mosquitto.db`. */
  readonly dir: string;
  /**
   * Stops the process with `signal` and keeps its folder. SIGTERM lets Mosquitto save its
   * database first; SIGKILL loses what it took since its last save.
   */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the broker again (after {@link kill}) on the same port, from the same folder. */
  restart(): Promise<void>;
  /** Stops the broker and deletes its folder; idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a throwaway Mosquitto (anonymous, loopback, a free port, its own folder) for a test
 * that stops or breaks its MQTT broker. Needs the `mosquitto` binary.
 *
 * @example
 * const broker = await startMosquitto({ persistence: true });
 * await broker.kill('SIGTERM');
 * await broker.restart();
 * await broker.stop();
 */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<MosquittoBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'sensors-mosquitto-'));
  const port = await freePort();
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(
    config,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      // Run as root, Mosquitto would switch to its own user, which may not write to this folder.
      'user root',
      `persistence ${options.persistence ? 'true' : 'false'}`,
      `persistence_location ${dir}/`,
      ...(options.config ?? []),
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  let exited = Promise.resolve();

  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const running = child;
    if (!running) return;
    child = undefined;
    if (running.exitCode === null && running.signalCode === null) running.kill(signal);
    await withTimeout('mosquitto to exit', exited, 10_000).catch(() => running.kill('SIGKILL'));
  };
  const start = async () => {
    if (child) return;
    const started = spawn(process.env['MOSQUITTO'] ?? 'mosquitto', ['-c', config], { stdio: 'ignore' });
    child = started;
    exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    try {
      await waitFor('mosquitto to listen', () => isListening(port), { timeoutMs: 15_000 });
    } catch (err) {
      await kill('SIGKILL');
      throw err;
    }
  };
  const stop = async () => {
    await kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return { port, url: `mqtt://127.0.0.1:${port}`, dir, kill, restart: start, stop };
}
