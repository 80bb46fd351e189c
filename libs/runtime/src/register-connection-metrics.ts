import type { Registry } from 'prom-client';
import { counterFrom, gaugeFrom } from './metrics';

/** Live connection state, read at scrape time by {@link registerConnectionMetrics}. */
export interface ConnectionGauges {
  brokerConnected: () => boolean;
  /** Connections re-established after a loss, by target (`broker`, `database`, …). */
  reconnects: () => Record<string, number>;
}

/**
 * Registers what every app of the pipeline says of its connections: `sensors_broker_connected`
 * and `sensors_reconnects_total{target}`.
 */
export function registerConnectionMetrics(registry: Registry, gauges: ConnectionGauges): void {
  gaugeFrom(registry, { name: 'sensors_broker_connected', help: '1 while connected to RabbitMQ.' }, () =>
    Number(gauges.brokerConnected()),
  );
  const meta = { help: 'Connections re-established after a loss, by target.', labelName: 'target' };
  counterFrom(registry, { name: 'sensors_reconnects_total', ...meta }, gauges.reconnects);
}
