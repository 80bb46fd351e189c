import { createMetricsRegistry, registerConnectionMetrics } from '../src';

describe('registerConnectionMetrics', () => {
  it('reports the broker connection and the reconnects by target at scrape time', async () => {
    const registry = createMetricsRegistry();
    let connected = false;
    registerConnectionMetrics(registry, { brokerConnected: () => connected, reconnects: () => ({ broker: 2 }) });
    expect(await registry.getSingleMetricAsString('sensors_broker_connected')).toContain('sensors_broker_connected 0');
    connected = true;
    expect(await registry.getSingleMetricAsString('sensors_broker_connected')).toContain('sensors_broker_connected 1');
    expect(await registry.getSingleMetricAsString('sensors_reconnects_total')).toContain(
      'sensors_reconnects_total{target="broker"} 2',
    );
  });
});
