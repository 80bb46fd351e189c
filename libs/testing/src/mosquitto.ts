import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isListening } from './free-port';
import { waitFor, withTimeout } from './wait';

/** A Mosquitto broker of a test's own (see {@link startMosquitto}). */
export interface MosquittoBroker {
  readonly port: number;
  /** `mqtt://127.0.0.1:<port>` */
  readonly url: string;
  /** Stops the broker and deletes its folder; idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a throwaway Mosquitto (anonymous, loopback, a free port, no persistence) for a test
 * that stops or breaks its MQTT broker. Needs the `mosquitto` binary.
 */
export async function startMosquitto(): Promise<MosquittoBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'sensors-mosquitto-'));
  const port = await freePort();
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(config, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  const child = spawn(process.env['MOSQUITTO'] ?? 'mosquitto', ['-c', config], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await withTimeout('mosquitto to exit', exited, 10_000).catch(() => child.kill('SIGKILL'));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('mosquitto to listen', () => isListening(port), { timeoutMs: 15_000 });
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, url: `mqtt://127.0.0.1:${port}`, stop };
}
