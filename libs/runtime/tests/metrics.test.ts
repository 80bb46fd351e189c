import { counterFrom, countersFrom, createMetricsRegistry, gaugeFrom, gaugesFrom, registerBuildInfo } from '../src';

describe('createMetricsRegistry', () => {
  it('holds the process metrics but no gauge named like a counter', async () => {
    const text = await createMetricsRegistry().metrics();
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).not.toMatch(/^# TYPE \S+_total gauge$/m);
  });

  it('holds the build info when given the version', async () => {
    const registry = createMetricsRegistry('1.2.3');
    expect(await registry.getSingleMetricAsString('sensors_build_info')).toContain('version="1.2.3"');
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

  it('reports each known label value at 0 until it happens', async () => {
    const registry = createMetricsRegistry();
    const meta = { name: 'test_failed_total', help: 'Failed.', labelName: 'reason', labelValues: ['x', 'y'] };
    counterFrom(registry, meta, () => ({ y: 4 }));
    const text = await registry.getSingleMetricAsString('test_failed_total');
    expect(text).toContain('test_failed_total{reason="x"} 0');
    expect(text).toContain('test_failed_total{reason="y"} 4');
  });
});

describe('registerBuildInfo', () => {
  it('exports 1 labelled with the version and the Node.js version', async () => {
    const registry = createMetricsRegistry();
    registerBuildInfo(registry, '1.2.3');
    expect(await registry.getSingleMetricAsString('sensors_build_info')).toContain(
      `sensors_build_info{version="1.2.3",nodejs="${process.version}"} 1`,
    );
  });
});

describe('gaugeFrom', () => {
  it('reads an async value, and has no sample (rather than 0) while it is unknown', async () => {
    const registry = createMetricsRegistry();
    let depth: number | undefined;
    gaugeFrom(registry, { name: 'test_depth', help: 'Depth.' }, async () => depth);
    const unknown = '# HELP test_depth Depth.\n# TYPE test_depth gauge';
    expect(await registry.getSingleMetricAsString('test_depth')).toBe(unknown);
    depth = 7;
    expect(await registry.getSingleMetricAsString('test_depth')).toMatch(/^test_depth 7$/m);
    depth = undefined;
    expect(await registry.getSingleMetricAsString('test_depth')).toBe(unknown);
  });
});

describe('countersFrom', () => {
  it('registers a counter per name, read at scrape time', async () => {
    const registry = createMetricsRegistry();
    const totals = { a: 1, b: 2 };
    countersFrom(registry, { test_a_total: ['A.', () => totals.a], test_b_total: ['B.', () => totals.b] });
    totals.b = 3;
    const text = await registry.metrics();
    expect(text).toContain('# HELP test_a_total A.');
    expect(text).toContain('test_a_total 1');
    expect(text).toContain('test_b_total 3');
  });
});

describe('gaugesFrom', () => {
  it('registers a gauge per name, read at scrape time', async () => {
    const registry = createMetricsRegistry();
    gaugesFrom(registry, { test_open: ['Open.', () => 4], test_depth: ['Depth.', async () => 9] });
    const text = await registry.metrics();
    expect(text).toContain('test_open 4');
    expect(text).toContain('test_depth 9');
  });
});
