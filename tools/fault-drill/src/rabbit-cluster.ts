import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { execCommand } from './exec-command';
import type { Broker } from './rabbitmq';

const SCRIPT = resolve(__dirname, '../../cluster/rabbit-cluster.sh');
const RABBITMQ_SCRIPTS = '/usr/lib/rabbitmq/bin';

/** The cluster's node numbers: node N is `cN@localhost`, AMQP on port 568N. */
export const CLUSTER_NODES = [1, 2, 3] as const;
export type ClusterNode = (typeof CLUSTER_NODES)[number];

/** Why this machine cannot run the throw-away cluster, or undefined when it can. */
export function clusterUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0)
    return 'needs root (tools/cluster/rabbit-cluster.sh runs the nodes as the rabbitmq user)';
  if (!existsSync(RABBITMQ_SCRIPTS)) return `${RABBITMQ_SCRIPTS} is missing (install Debian's rabbitmq-server)`;
  return undefined;
}

/**
 * The 3-node RabbitMQ cluster of `tools/cluster/rabbit-cluster.sh`, on loopback beside the
 * system node (which it never touches). `down` is idempotent and may be called at any time,
 * also while `up` is still running (an interrupt): it waits for it, then stops every node.
 */
export class RabbitCluster implements Broker {
  readonly urls = CLUSTER_NODES.map((node) => nodeUrl(node));
  private started = false;
  private starting: Promise<unknown> | undefined;
  private stopping: Promise<void> | undefined;

  /** Whether `up` has been called and `down` has not finished since. */
  get isUp(): boolean {
    return this.started;
  }

  /** Starts three fresh nodes and joins them (20–30 s). */
  async up(): Promise<void> {
    this.started = true;
    this.stopping = undefined;
    const starting = run(['up'], 180_000);
    this.starting = starting.catch(() => undefined);
    await starting;
  }

  /** Stops every node and deletes the cluster's data; a no-op when it was never started. */
  down(): Promise<void> {
    if (!this.started) return Promise.resolve();
    // An interrupted `up` may still be starting nodes (a signal sent to the drill alone does not
    // reach the script): let it finish first, or `down` could run before they exist.
    this.stopping ??= Promise.resolve(this.starting)
      .then(() => run(['down'], 120_000))
      .then(
        () => {
          this.started = false;
        },
        (err: unknown) => {
          this.stopping = undefined; // so that the next call tries again
          throw err;
        },
      );
    return this.stopping;
  }

  /** The node URLs starting at `first`, so that an app prefers that node and fails over to the next. */
  urlsFrom(first: ClusterNode): string {
    return CLUSTER_NODES.map((_, k) => nodeUrl(CLUSTER_NODES[(first - 1 + k) % CLUSTER_NODES.length])).join(',');
  }

  /** `rabbitmqctl` against the first node that answers (a scenario may have just stopped one). */
  async ctl(args: readonly string[], timeoutMs = 30_000): Promise<string> {
    const failures: string[] = [];
    for (const node of CLUSTER_NODES) {
      try {
        return await run(['ctl', '-n', `c${node}@localhost`, ...args], timeoutMs);
      } catch (err) {
        failures.push(`c${node}: ${(err as Error).message}`);
      }
    }
    throw new Error(`no cluster node answered rabbitmqctl ${args.join(' ')}: ${failures.join('; ')}`);
  }

  /** The node that leads `queue`, as the cluster reports it now. */
  async leader(queue: string): Promise<ClusterNode> {
    return toNode(await run(['leader', queue], 30_000));
  }

  /** The nodes that hold a replica of `queue`. */
  async members(queue: string): Promise<ClusterNode[]> {
    const listing = await this.ctl(['-q', '--no-table-headers', 'list_queues', 'name', 'members']);
    const line = listing.split('\n').find((l) => l.split('\t')[0] === queue) ?? '';
    return [...line.matchAll(/c([123])@localhost/g)].map((match) => toNode(match[1]));
  }

  /** Stops node N's RabbitMQ application (a clean node loss; the Erlang VM stays up). */
  async stopApp(node: ClusterNode): Promise<void> {
    await run(['stop-app', String(node)], 120_000);
  }

  async startApp(node: ClusterNode): Promise<void> {
    await run(['start-app', String(node)], 120_000);
  }

  /** SIGKILLs node N's Erlang VM. */
  async kill(node: ClusterNode): Promise<void> {
    await run(['kill', String(node)], 10_000);
  }

  /** Starts node N again with its data; resolves once it runs. */
  async start(node: ClusterNode): Promise<void> {
    await run(['start', String(node)], 180_000);
  }

  /** Whether node N's AMQP listener accepts TCP connections. */
  listening(node: ClusterNode): Promise<boolean> {
    return new Promise((done) => {
      const socket = connect({ host: '127.0.0.1', port: 5680 + node, timeout: 500 });
      const finish = (up: boolean) => {
        socket.destroy();
        done(up);
      };
      socket.once('connect', () => finish(true));
      socket.once('error', () => finish(false));
      socket.once('timeout', () => finish(false));
    });
  }
}

function nodeUrl(node: ClusterNode): string {
  return `amqp://guest:guest@127.0.0.1:${5680 + node}`;
}

function toNode(text: string): ClusterNode {
  const node = Number(text.trim());
  if (!CLUSTER_NODES.includes(node as ClusterNode)) throw new Error(`not a cluster node: "${text.trim()}"`);
  return node as ClusterNode;
}

function run(args: readonly string[], timeoutMs: number): Promise<string> {
  return execCommand('bash', [SCRIPT, ...args], timeoutMs);
}
