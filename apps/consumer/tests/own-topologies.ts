import { topologyFor, type Topology, type TopologyOptions } from '@sensors/messaging';
import { deleteTopology, uniqueName } from '@sensors/testing';

/** Topologies with names of a test file's own, not declared; `deleteAll` removes every one made. */
export interface OwnTopologies {
  /** A topology named `<prefix>_x…`/`<prefix>_q…`, with the apps' defaults unless `options` says otherwise. */
  make(prefix: string, options?: Partial<TopologyOptions>): Topology;
  /** Deletes each topology made, with the stand-in queue a dead-letter migration may leave. */
  deleteAll(): Promise<void>;
}

export function ownTopologies(): OwnTopologies {
  const made: Topology[] = [];
  return {
    make(prefix, options = {}) {
      const topology = topologyFor({
        exchange: uniqueName(`${prefix}_x`),
        routingKey: 'sensor.reading',
        queue: uniqueName(`${prefix}_q`),
        ...options,
      });
      made.push(topology);
      return topology;
    },
    async deleteAll() {
      for (const topology of made.splice(0)) {
        await deleteTopology(topology, { otherQueues: [`${topology.deadLetterQueue}.migrating`] });
      }
    },
  };
}
