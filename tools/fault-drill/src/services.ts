import {
  startPostgresCluster,
  startRabbitCluster,
  startRabbitNode,
  type Broker,
  type PostgresCluster,
  type RabbitCluster,
  type RabbitNode,
} from '@sensors/testing';

/**
 * The drill's own servers: a RabbitMQ node and a Postgres cluster for the single-broker
 * scenarios, and a 3-node RabbitMQ cluster for the node-loss ones, all throwaway (free ports,
 * temporary folders, removed by `stopAll`). The machine's services are never touched.
 * `stopAll` is idempotent and may run while a start is under way (an interrupt).
 */
export class DrillServices {
  private node: RabbitNode | undefined;
  private pg: PostgresCluster | undefined;
  private rabbitCluster: RabbitCluster | undefined;
  private starting: Promise<unknown> = Promise.resolve();

  get broker(): RabbitNode {
    if (!this.node) throw new Error('the drill broker is not started');
    return this.node;
  }

  get postgres(): PostgresCluster {
    if (!this.pg) throw new Error('the drill Postgres is not started');
    return this.pg;
  }

  get cluster(): RabbitCluster {
    if (!this.rabbitCluster) throw new Error('the drill cluster is not started');
    return this.rabbitCluster;
  }

  get clusterIsUp(): boolean {
    return this.rabbitCluster !== undefined;
  }

  /** The broker of a scenario: the cluster for the node-loss scenarios, else the single node. */
  brokerFor(onCluster: boolean): Broker {
    return onCluster ? this.cluster : this.broker;
  }

  /** Starts the single node and the Postgres cluster, in parallel. */
  async start(): Promise<void> {
    const started = Promise.all([
      startRabbitNode({ prefix: 'sensors_drill_' }).then((node) => (this.node = node)),
      startPostgresCluster().then((pg) => (this.pg = pg)),
    ]);
    this.starting = started.catch(() => undefined);
    await started;
  }

  async startCluster(): Promise<void> {
    const started = startRabbitCluster(3).then((cluster) => (this.rabbitCluster = cluster));
    this.starting = started.catch(() => undefined);
    await started;
  }

  async stopCluster(): Promise<void> {
    const cluster = this.rabbitCluster;
    this.rabbitCluster = undefined;
    await cluster?.stop();
  }

  /** Stops and removes every server the drill started. */
  async stopAll(): Promise<void> {
    await this.starting;
    const [node, pg] = [this.node, this.pg];
    await Promise.allSettled([this.stopCluster(), node?.stop(), pg?.remove()]);
  }
}
