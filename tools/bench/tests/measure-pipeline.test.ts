// A small real run of the product and of the hand-written envelope pipeline, against the
// machine's RabbitMQ and Postgres through names of their own (a database, queues and an
// exchange per run, all removed afterwards). Needs the built apps (the test target builds them).
import { testAmqpUrl, testDatabaseAdminUrl } from '@sensors/testing';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchContext } from '../src/bench-context';
import { brokerAt, inspectQueue } from '../src/bench-services';
import { bundleScripts } from '../src/bundle-scripts';
import { definePipelines } from '../src/define-pipelines';
import { measurePipeline } from '../src/measure-pipeline';
import { ProcessTracker } from '../src/process-tracker';

const root = resolve(__dirname, '../../..');
const outDir = mkdtempSync(join(tmpdir(), 'sensors-bench-test-'));
const ctx: BenchContext = {
  root,
  outDir,
  buildDir: join(outDir, 'build'),
  amqpUrl: testAmqpUrl,
  broker: brokerAt(testAmqpUrl),
  adminUrl: testDatabaseAdminUrl,
  signal: new AbortController().signal,
  log: () => undefined,
  processes: new ProcessTracker(),
  leftovers: [],
};
const pipelines = definePipelines(ctx);

beforeAll(async () => {
  for (const app of ['publisher', 'consumer']) {
    cpSync(join(root, 'dist/apps', app), join(ctx.buildDir, 'apps', app), { recursive: true });
  }
  await bundleScripts(ctx.buildDir);
});

afterAll(async () => {
  await ctx.processes.stopAll();
  rmSync(outDir, { recursive: true, force: true });
});

describe('measurePipeline', () => {
  it('stores every reading of a product run, measures it and removes what it made', async () => {
    const run = await measurePipeline(ctx, pipelines.product, { kind: 'throughput', count: 2000, rate: 0, rep: 1 });
    expect(run).toMatchObject({ pipeline: 'product', count: 2000, leftInQueue: 0, deadLettered: 0 });
    expect(run.samples.at(-1)?.rows).toBe(2000);
    expect(run.readingsPerS).toBeGreaterThan(0);
    expect(run.cpuS.publisher).toBeGreaterThan(0);
    expect(run.cpuS.consumer).toBeGreaterThan(0);
    expect(run.peakRssMb.publisher).toBeGreaterThan(10);
    expect(run.latencyMs.p99).toBeGreaterThanOrEqual(run.latencyMs.p50 ?? Infinity);
    expect(ctx.leftovers).toEqual([]);
  });

  it('runs a hand-written reference from its bundle, after the product migration, and times single readings', async () => {
    const run = await measurePipeline(ctx, pipelines['raw-envelope'], {
      kind: 'latency',
      count: 300,
      rate: 1000,
      rep: 1,
      probes: 1,
    });
    expect(run).toMatchObject({ pipeline: 'raw-envelope', count: 300, leftInQueue: 0 });
    expect(run.samples.at(-1)?.rows).toBe(300);
    expect(run.probeLatencyMs).toHaveLength(1);
    expect(run.probeLatencyMs[0]).toBeGreaterThan(0);
    expect(ctx.leftovers).toEqual([]);
  });
});

describe('inspectQueue', () => {
  it('says undefined for a queue that does not exist', async () => {
    expect(await inspectQueue(ctx.broker, 'sensors-bench-no-such-queue')).toBeUndefined();
  });
});
