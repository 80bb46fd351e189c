import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const script = join(__dirname, '../../../tools/cluster/rabbit-cluster.sh');

/** The AMQP URLs of the throw-away cluster's nodes 1, 2 and 3 (ports 5681–5683). */
export const clusterNodeUrls = [1, 2, 3].map((n) => `amqp://guest:guest@127.0.0.1:568${n}`);

/**
 * Runs `tools/cluster/rabbit-cluster.sh` (a 3-node RabbitMQ cluster on loopback beside the
 * system node; needs root): `up`, `down`, `kill N`, `start N`, `stop-app N`, `start-app N`,
 * `leader QUEUE`. Resolves to its output.
 */
export async function rabbitCluster(...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('bash', [script, ...args], { timeout: 180_000 });
  return stdout.trim();
}
