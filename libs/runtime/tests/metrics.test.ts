import { counterFrom, createMetricsRegistry, gaugeFrom } from '../src';

describe('createMetricsRegistry', () => {
  it('holds the process metrics but no gauge named like a counter', async () => {
    const text = await createMetricsRegistry().metrics();
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).not.toMatch(/^# TYPE \S+_total gauge$/m);
  });
});

describe('counterFrom', () => {
  it('reports the running total at scrape time', async () => {
    const registry = createMetricsRegistry();
    let stored = 5;
    counterFrom(registry, { name: 'test_stored_total', help: 'Stored.' }, () => stored);
    expect(await registry.getSingleMetricAsString('test_stored_total')).toContain('test_stored_total 5');
    stored = 8;
    expect(await registry.getSingleMetricAsString('test_stored_total')).toContain('test_stored_total 8');
  });

  it('reports one series per label value', async () => {
    const registry = createMetricsRegistry();
    counterFrom(registry, { name: 'test_dead_total', help: 'Dead.', labelName: 'reason' }, () => ({ a: 2, b: 1 }));
    const text = await registry.getSingleMetricAsString('test_dead_total');
    expect(text).toContain('test_dead_total{reason="a"} 2');
    expect(text).toContain('test_dead_total{reason="b"} 1');
  });
});

describe('gaugeFrom', () => {
  it('reads an async value and drops it while unknown', async () => {
    const registry = createMetricsRegistry();
    let depth: number | undefined = 7;
    gaugeFrom(registry, { name: 'test_depth', help: 'Depth.' }, async () => depth);
    expect(await registry.getSingleMetricAsString('test_depth')).toContain('test_depth 7');
    depth = undefined;
    expect(await registry.getSingleMetricAsString('test_depth')).not.toContain('test_depth 7');
  });
});
