import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Broker } from './rabbitmq';
import { prepareRabbitNode, type RabbitNode } from './rabbit-node';

/** A throwaway RabbitMQ cluster of a test's own (see {@link startRabbitCluster}). */
export interface RabbitCluster extends Broker {
  /** Node 1 is `nodes[0]`. */
  readonly nodes: readonly RabbitNode[];
  /** The AMQP URLs starting at node `first` (1-based), comma-separated: an app prefers it and fails over. */
  urlsFrom(first: number): string;
  /** The 1-based number of the node that leads quorum queue `queue` now. */
  leader(queue: string): Promise<number>;
  /** The 1-based numbers of the nodes that hold a replica of `queue`. */
  members(queue: string): Promise<number[]>;
  /** `leader(queue)` and `members(queue)` from one `rabbitmqctl` call. */
  replicas(queue: string): Promise<QueueReplicas>;
  /** Stops every node and deletes the cluster's folder; idempotent. */
  stop(): Promise<void>;
}

/** Where quorum queue replicas are, by 1-based node number (see {@link RabbitCluster.replicas}). */
export interface QueueReplicas {
  leader: number;
  members: number[];
}

/**
 * Starts `size` throwaway RabbitMQ nodes (see {@link startRabbitNode}) sharing a private cookie,
 * all at once, and resolves once they form one cluster. The cluster forms at boot: node 1
 * starts alone and the others find it by peer discovery (the classic config backend, listing
 * node 1 only, so no two nodes can each start a cluster of their own), retrying until node 1
 * has its database. No `stop_app`, `join_cluster`, `start_app` round, each a `rabbitmqctl` VM
 * and an application restart (measured figures in docs/performance.md).
 *
 * @example
 * const cluster = await startRabbitCluster(3);
 * try { await cluster.nodes[0].kill(); … } finally { await cluster.stop(); }
 */
export async function startRabbitCluster(size = 3): Promise<RabbitCluster> {
  const base = mkdtempSync(join(tmpdir(), 'sensors-rabbit-cluster-'));
  const nodes: RabbitNode[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await Promise.all(nodes.map((node) => node.stop()));
      rmSync(base, { recursive: true, force: true });
    })());
  try {
    const first = await prepareRabbitNode({ base, prefix: 'sensors_c1_' });
    nodes.push(first);
    for (let i = 2; i <= size; i++) {
      const prefix = `sensors_c${i}_`;
      nodes.push(await prepareRabbitNode({ base, prefix, config: joinAtBoot(first.name) }));
    }
    await Promise.all(nodes.map((node) => node.start()));
    await expectRunningNodes(first, nodes);
  } catch (err) {
    await stop();
    throw err;
  }
  const ctl = async (args: readonly string[], timeoutMs?: number) => {
    const failures: string[] = [];
    for (const node of nodes) {
      try {
        return await node.ctl(args, timeoutMs);
      } catch (err) {
        failures.push(`${node.name}: ${(err as Error).message}`);
      }
    }
    throw new Error(`no cluster node answered rabbitmqctl ${args.join(' ')}: ${failures.join('; ')}`);
  };
  const numberOf = (nodeName: string) => nodes.findIndex((node) => node.name === nodeName) + 1;
  const replicas = async (queue: string, { leaderRequired = true } = {}): Promise<QueueReplicas> => {
    const listing = await ctl(['-q', '--no-table-headers', 'list_queues', 'name', 'leader', 'members']);
    const line = listing.split('\n').find((row) => row.split('\t')[0] === queue);
    const leader = numberOf(line?.split('\t')[1]?.trim() ?? '');
    if (leader === 0 && leaderRequired) {
      throw new Error(`no leader listed for queue ${queue}: ${line ?? 'queue not listed'}`);
    }
    const members = line?.split('\t')[2] ?? '';
    return { leader, members: nodes.map((node, k) => (members.includes(node.name) ? k + 1 : 0)).filter((n) => n > 0) };
  };
  return {
    nodes,
    get urls() {
      return nodes.map((node) => node.url);
    },
    ctl,
    urlsFrom: (first) => nodes.map((_, k) => nodes[(first - 1 + k) % nodes.length].url).join(','),
    leader: async (queue) => (await replicas(queue)).leader,
    members: async (queue) => (await replicas(queue, { leaderRequired: false })).members,
    replicas: (queue) => replicas(queue),
    stop,
  };
}

/** `rabbitmq.conf` lines that make a blank node join `seed`'s cluster as it boots. */
function joinAtBoot(seed: string): string[] {
  return [
    'cluster_formation.peer_discovery_backend = classic_config',
    `cluster_formation.classic_config.nodes.1 = ${seed}`,
    // Booting beside the others on two cores, the seed may need a while to have its database.
    'cluster_formation.discovery_retry_limit = 360',
    'cluster_formation.discovery_retry_interval = 500',
  ];
}

/** Fails, naming them, unless `seed` lists every one of `nodes` as running in its cluster. */
async function expectRunningNodes(seed: RabbitNode, nodes: readonly RabbitNode[]): Promise<void> {
  const status = JSON.parse(await seed.ctl(['-q', 'cluster_status', '--formatter', 'json'])) as {
    running_nodes?: string[];
  };
  const running = status.running_nodes ?? [];
  const missing = nodes.filter((node) => !running.includes(node.name)).map((node) => node.name);
  if (missing.length > 0) {
    throw new Error(`nodes ${missing.join(', ')} did not join ${seed.name}'s cluster (running: ${running.join(', ')})`);
  }
}
