// One measured run of one pipeline, in a database and broker topology of its own: start the
// consumer, wait until it subscribes, publish `count` readings, count rows until all are
// stored, then read the figures from /proc and from the rows themselves.
import { createTestDatabase, deleteBrokerObjects, waitFor, withTimeout } from '@sensors/testing';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Client } from 'pg';
import type { BenchContext } from './bench-context';
import {
  connectDatabase,
  countRows,
  inspectQueue,
  latestReadingLatenciesMs,
  readServerCpu,
  serverCpuBetween,
  summarizeRows,
} from './bench-services';
import { CleanupStack } from './cleanup-stack';
import { migrateLaunch, type Pipeline, type Target } from './define-pipelines';
import { readMachineBusyCpu } from './proc-stats';
import type { Launch, MeasuredProcess } from './process-tracker';

/** A row count at `t` seconds from the start of a run. */
export interface RowSample {
  t: number;
  rows: number;
}

/** The kind of a run: as fast as possible, or paced (then followed by single readings). */
export type RunKind = 'throughput' | 'latency';

/** What one measured run found. */
export interface RunResult {
  pipeline: string;
  kind: RunKind;
  rep: number;
  count: number;
  rate: number;
  readingsPerS: number;
  steadyReadingsPerS: number | undefined;
  spanS: number;
  wallS: number;
  cpuS: { publisher: number; consumer: number; rabbitmq: number; postgres: number; bench: number };
  otherLoadCores: number;
  peakRssMb: { publisher: number; consumer: number };
  latencyMs: { p50: number | undefined; p99: number | undefined; max: number };
  probeLatencyMs: number[];
  probePublisherCpuS: number | undefined;
  leftInQueue: number | undefined;
  deadLettered: number | undefined;
  samples: RowSample[];
  /** Which attempt succeeded (a failed one is tried again). */
  attempt?: number;
}

/** A pipeline set up for one run: its database, topology, processes and log folder. */
export interface PipelineRun {
  target: Target;
  counter: Client;
  logDir: string;
  consumer: MeasuredProcess | undefined;
  /** Starts a process of this run; it is stopped when the run ends. */
  start(name: string, launch: Launch): MeasuredProcess;
  startConsumer(): Promise<MeasuredProcess>;
}

const COUNT_INTERVAL_MS = 250;
/** A publisher that has exited while no row arrived for this long means readings were lost. */
const STALL_MS = 30_000;
const PROBE_IDLE_MS = 1000;

/** Reads what a process wrote, e.g. to quote its last lines in an error. */
export function tailOf(logFile: string, lines = 15): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function exitedEarly(child: MeasuredProcess): Error {
  return new Error(`the ${child.name} exited early; the last lines of ${child.logFile}:\n${tailOf(child.logFile)}`);
}

/**
 * Sets up a fresh database and topology for `pipeline`, starts its consumer, and hands
 * `work` what it needs; everything is removed afterwards, whatever happens.
 */
export async function withPipeline<T>(
  ctx: BenchContext,
  pipeline: Pipeline,
  tag: string,
  work: (run: PipelineRun) => Promise<T>,
  { startConsumer = true }: { startConsumer?: boolean } = {},
): Promise<T> {
  const logDir = join(ctx.outDir, 'logs', tag);
  mkdirSync(logDir, { recursive: true });
  const cleanup = new CleanupStack();
  try {
    const database = await createTestDatabase(`bench_${pipeline.name.replace(/\W/g, '_')}`, {
      adminUrl: ctx.adminUrl,
    });
    const id = database.name;
    cleanup.add(`drop database ${id}`, () => database.drop());
    const target: Target = {
      amqpUrl: ctx.amqpUrl,
      databaseUrl: database.url,
      queue: `${id}.readings`,
      exchange: `${id}.x`,
    };
    // Registered before the objects exist, so that a half-made set-up goes too.
    cleanup.add(`delete the queues and exchanges of ${id}`, () =>
      deleteBrokerObjects(pipeline.brokerObjects(target), ctx.broker),
    );
    if (pipeline.migrateFirst) {
      await ctx.processes.run(
        'migrate',
        migrateLaunch(ctx, database.url),
        { logFile: join(logDir, 'migrate.log'), cwd: ctx.root },
        60_000,
      );
    }
    const counter = await connectDatabase(database.url, 'sensors-bench-counter');
    cleanup.add('close the counting connection', () => counter.end());

    const run: PipelineRun = {
      target,
      counter,
      logDir,
      consumer: undefined,
      start: (name, launch) => {
        const child = ctx.processes.start(name, launch, { logFile: join(logDir, `${name}.log`), cwd: ctx.root });
        cleanup.add(`stop the ${name} (pid ${child.pid})`, () => child.stop());
        return child;
      },
      startConsumer: async () => {
        const consumer = run.start('consumer', pipeline.consumer(target));
        run.consumer = consumer;
        await waitFor(
          `the ${pipeline.name} consumer to subscribe to ${target.queue}`,
          async () => {
            if (!consumer.running) throw exitedEarly(consumer);
            return ((await inspectQueue(ctx.broker, target.queue))?.consumers ?? 0) > 0;
          },
          { timeoutMs: 60_000, intervalMs: 200, signal: ctx.signal },
        );
        return consumer;
      },
    };
    if (startConsumer) await run.startConsumer();
    return await work(run);
  } finally {
    // What could not be removed now (say the broker is down) is tried again at the very end.
    const failed = await cleanup.run(ctx.log);
    ctx.leftovers.push(...failed.filter((step) => !step.description.startsWith('stop the')));
  }
}

/** Options of {@link countUntilStored}. */
export interface CountOptions {
  count: number;
  publisher?: MeasuredProcess;
  startedAt: number;
  timeoutMs: number;
  onSample?: (rows: number) => void;
}

/**
 * Counts rows every 250 ms until `count` are stored; fails if a process dies, if the publisher
 * is gone and rows stop arriving, or after `timeoutMs`. Returns the samples, with `t` in
 * seconds from `startedAt`.
 */
export async function countUntilStored(
  ctx: BenchContext,
  run: PipelineRun,
  { count, publisher, startedAt, timeoutMs, onSample }: CountOptions,
): Promise<RowSample[]> {
  const samples: RowSample[] = [{ t: 0, rows: 0 }];
  const deadline = Date.now() + timeoutMs;
  let rows = 0;
  let changedAt = Date.now();
  while (rows < count) {
    await delay(COUNT_INTERVAL_MS, undefined, { signal: ctx.signal });
    const now = await countRows(run.counter);
    samples.push({ t: (Date.now() - startedAt) / 1000, rows: now });
    onSample?.(now);
    if (now !== rows) changedAt = Date.now();
    rows = now;
    if (rows >= count) break;
    if (run.consumer && !run.consumer.running) throw exitedEarly(run.consumer);
    if (publisher && !publisher.running) {
      const result = await publisher.exited;
      if (result !== 0) throw exitedEarly(publisher);
      if (Date.now() - changedAt > STALL_MS) {
        throw new Error(`the publisher is done but only ${rows} of ${count} readings were stored`);
      }
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000} s with ${rows} of ${count} readings stored`);
    }
  }
  return samples;
}

/** When the row count crossed `rows`, interpolated between samples. */
function timeAtRows(samples: readonly RowSample[], rows: number): number | undefined {
  const i = samples.findIndex((sample) => sample.rows >= rows);
  if (i <= 0) return samples[Math.max(i, 0)]?.t;
  const [a, b] = [samples[i - 1], samples[i]];
  return a.t + ((rows - a.rows) / (b.rows - a.rows)) * (b.t - a.t);
}

/** Readings/s between 10 % and 90 % of the rows: the run without its start and its tail. */
export function steadyRate(samples: readonly RowSample[], count: number): number | undefined {
  const from = timeAtRows(samples, 0.1 * count);
  const to = timeAtRows(samples, 0.9 * count);
  return from !== undefined && to !== undefined && to > from ? (0.8 * count) / (to - from) : undefined;
}

/** How long a run may take: generous, from a floor of 100 readings/s (or the paced rate). */
export function runTimeoutMs(count: number, rate: number): number {
  const perSecond = rate > 0 ? Math.min(rate, 100) : 100;
  return 120_000 + (count / perSecond) * 1000;
}

/** What one run does; see {@link measurePipeline}. */
export interface RunPlan {
  kind: RunKind;
  count: number;
  rate: number;
  rep: number;
  probes?: number;
}

/**
 * One throughput run (`rate` 0) or latency run (`rate` > 0, followed by `probes` single
 * readings published one a second on the otherwise idle pipeline).
 */
export async function measurePipeline(
  ctx: BenchContext,
  pipeline: Pipeline,
  { kind, count, rate, rep, probes = 0 }: RunPlan,
): Promise<RunResult> {
  const tag = `${pipeline.name}-${kind}-${rep}`;
  const seed = `${tag}-${Date.now()}`;
  return withPipeline(ctx, pipeline, tag, async (run) => {
    const { target } = run;
    const consumer = run.consumer as MeasuredProcess;
    const consumerCpuBefore = consumer.cpuSeconds();
    const serverCpuBefore = readServerCpu(ctx.amqpUrl, ctx.adminUrl);
    const machineCpuBefore = readMachineBusyCpu();
    const benchCpuBefore = process.cpuUsage();
    const startedAt = Date.now();
    const publisher = run.start('publisher', pipeline.publisher(target, { count, rate, seed }));
    const samples = await countUntilStored(ctx, run, {
      count,
      publisher,
      startedAt,
      timeoutMs: runTimeoutMs(count, rate),
    });
    const wallS = (Date.now() - startedAt) / 1000;
    const consumerCpuS = consumer.cpuSeconds() - consumerCpuBefore;
    const serverCpuS = serverCpuBetween(serverCpuBefore, readServerCpu(ctx.amqpUrl, ctx.adminUrl));
    const machineCpuS = readMachineBusyCpu() - machineCpuBefore;
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const exit = await withTimeout('the publisher to exit after its last reading', publisher.exited, 60_000);
    if (exit !== 0) throw exitedEarly(publisher);
    const rows = await summarizeRows(run.counter);
    if (rows.rows !== count) throw new Error(`expected ${count} rows, found ${rows.rows}`);

    // Single readings on the idle pipeline: one publisher at one reading a second. Its first
    // reading waits for the publisher's own connection to the broker, so it is not counted.
    let probeLatencyMs: number[] = [];
    let probePublisherCpuS: number | undefined;
    if (probes > 0) {
      await delay(PROBE_IDLE_MS, undefined, { signal: ctx.signal });
      const probe = run.start(
        'probe',
        pipeline.publisher(target, { count: probes + 1, rate: 1, seed: `${seed}-probe` }),
      );
      await countUntilStored(ctx, run, {
        count: count + probes + 1,
        publisher: probe,
        startedAt: Date.now(),
        timeoutMs: 60_000 + probes * 1000,
      });
      await withTimeout('the single-reading publisher to exit', probe.exited, 30_000);
      probeLatencyMs = await latestReadingLatenciesMs(run.counter, probes);
      probePublisherCpuS = probe.cpuSeconds();
    }

    const left = await inspectQueue(ctx.broker, target.queue);
    const deadLettered =
      pipeline.name === 'product' ? (await inspectQueue(ctx.broker, `${target.queue}.dead-letter`))?.messages : 0;
    const cpuS = {
      publisher: publisher.cpuSeconds(),
      consumer: consumerCpuS,
      rabbitmq: serverCpuS.rabbitmq,
      postgres: serverCpuS.postgres,
      bench: (benchCpu.user + benchCpu.system) / 1e6,
    };
    // Whatever else kept the machine busy meanwhile (other sessions): the noise in this run.
    const accounted = cpuS.publisher + cpuS.consumer + cpuS.rabbitmq + cpuS.postgres + cpuS.bench;
    return {
      pipeline: pipeline.name,
      kind,
      rep,
      count,
      rate,
      readingsPerS: count / rows.spanS,
      steadyReadingsPerS: steadyRate(samples, count),
      spanS: rows.spanS,
      wallS,
      cpuS,
      otherLoadCores: Math.max(0, machineCpuS - accounted) / wallS,
      peakRssMb: { publisher: publisher.peakRssMb(), consumer: consumer.peakRssMb() },
      latencyMs: { p50: rows.latencyP50Ms, p99: rows.latencyP99Ms, max: rows.latencyMaxMs },
      probeLatencyMs,
      probePublisherCpuS,
      leftInQueue: left?.messages,
      deadLettered,
      samples,
    };
  });
}
