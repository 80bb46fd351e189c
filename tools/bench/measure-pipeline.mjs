// One measured run of one pipeline, in a database and broker topology of its own: start the
// consumer, wait until it subscribes, publish `count` readings, count rows until all are
// stored, then read the figures from /proc and from the rows themselves.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { migrateLaunch } from './pipelines.mjs';
import { readMachineBusyCpu, runToEnd, startProcess, tailOf } from './processes.mjs';
import {
  connectDatabase,
  countRows,
  createDatabase,
  deleteBrokerObjects,
  dropDatabase,
  inspectQueue,
  latestReadingLatenciesMs,
  readServerCpu,
  serverCpuBetween,
  summarizeRows,
  uniqueName,
} from './services.mjs';
import { CleanupStack, sleep, waitFor, withTimeout } from './timing.mjs';

const COUNT_INTERVAL_MS = 250;
/** A publisher that has exited while no row arrived for this long means readings were lost. */
const STALL_MS = 30_000;
const PROBE_IDLE_MS = 1000;

/**
 * @typedef {{ root: string, buildDir: string, outDir: string, amqpUrl: string, adminUrl: string, signal: AbortSignal, log: (line: string) => void }} Context
 */

/** Starts one of a run's processes, its output in the run's log folder. */
function launch(ctx, logDir, name, { command, args, env }) {
  return startProcess(name, command, args, { env, cwd: ctx.root, logFile: join(logDir, `${name}.log`) });
}

function exitedEarly(child, logDir) {
  const logFile = join(logDir, `${child.name}.log`);
  return new Error(`the ${child.name} exited early; the last lines of ${logFile}:\n${tailOf(logFile)}`);
}

/**
 * Sets up a fresh database and topology for `pipeline`, starts its consumer, and hands
 * `work` what it needs; everything is removed afterwards, whatever happens.
 */
export async function withPipeline(ctx, pipeline, tag, work, { startConsumer = true } = {}) {
  const logDir = join(ctx.outDir, 'logs', tag);
  mkdirSync(logDir, { recursive: true });
  const cleanup = new CleanupStack();
  const id = uniqueName(`bench_${pipeline.name.replace(/\W/g, '_')}`);
  try {
    // Each removal is registered before the thing exists, so a half-made set-up goes too.
    cleanup.add(`drop database ${id}`, () => dropDatabase(ctx.adminUrl, id));
    const databaseUrl = await createDatabase(ctx.adminUrl, id);
    const target = { amqpUrl: ctx.amqpUrl, databaseUrl, queue: `${id}.readings`, exchange: `${id}.x` };
    cleanup.add(`delete the queues and exchanges of ${id}`, () =>
      deleteBrokerObjects(ctx.amqpUrl, pipeline.brokerObjects(target)),
    );
    if (pipeline.migrateFirst) {
      const { command, args, env } = migrateLaunch(ctx.buildDir, databaseUrl);
      await runToEnd('migrate', command, args, { env, cwd: ctx.root, logFile: join(logDir, 'migrate.log') }, 60_000);
    }
    const counter = await connectDatabase(databaseUrl, 'sensors-bench-counter');
    cleanup.add('close the counting connection', () => counter.end());

    const run = {
      target,
      counter,
      logDir,
      consumer: undefined,
      start: (name, launchSpec) => {
        const child = launch(ctx, logDir, name, launchSpec);
        cleanup.add(`stop the ${name} (pid ${child.pid})`, () => child.stop());
        return child;
      },
      startConsumer: async () => {
        run.consumer = run.start('consumer', pipeline.consumer(target));
        await waitFor(
          `the ${pipeline.name} consumer to subscribe to ${target.queue}`,
          async () => {
            if (!run.consumer.running()) throw exitedEarly(run.consumer, logDir);
            return (await inspectQueue(ctx.amqpUrl, target.queue))?.consumers > 0;
          },
          { timeoutMs: 60_000, signal: ctx.signal },
        );
        return run.consumer;
      },
    };
    if (startConsumer) await run.startConsumer();
    return await work(run);
  } finally {
    // What could not be removed now (say the broker is down) is tried again at the very end.
    ctx.leftovers.push(...(await cleanup.run(ctx.log)).filter((step) => !step.description.startsWith('stop the')));
  }
}

/**
 * Counts rows every 250 ms until `count` are stored; fails if a process dies, if the publisher
 * is gone and rows stop arriving, or after `timeoutMs`. Returns the samples `{ t, rows }`,
 * with `t` in seconds from `startedAt`.
 */
export async function countUntilStored(ctx, run, { count, publisher, startedAt, timeoutMs, onSample }) {
  const samples = [{ t: 0, rows: 0 }];
  const deadline = Date.now() + timeoutMs;
  let rows = 0;
  let changedAt = Date.now();
  while (rows < count) {
    await sleep(COUNT_INTERVAL_MS, ctx.signal);
    const now = await countRows(run.counter);
    samples.push({ t: (Date.now() - startedAt) / 1000, rows: now });
    onSample?.(now);
    if (now !== rows) changedAt = Date.now();
    rows = now;
    if (rows >= count) break;
    if (run.consumer && !run.consumer.running()) throw exitedEarly(run.consumer, run.logDir);
    if (publisher && !publisher.running()) {
      const { code, signal } = await publisher.exited;
      if (code !== 0) throw exitedEarly(publisher, run.logDir);
      if (Date.now() - changedAt > STALL_MS) {
        throw new Error(`the publisher is done but only ${rows} of ${count} readings were stored (${signal ?? code})`);
      }
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs / 1000} s with ${rows} of ${count} readings stored`);
  }
  return samples;
}

/** When the row count crossed `rows`, interpolated between samples. */
function timeAtRows(samples, rows) {
  const i = samples.findIndex((sample) => sample.rows >= rows);
  if (i <= 0) return samples[Math.max(i, 0)]?.t;
  const [a, b] = [samples[i - 1], samples[i]];
  return a.t + ((rows - a.rows) / (b.rows - a.rows)) * (b.t - a.t);
}

/** Readings/s between 10 % and 90 % of the rows: the run without its start and its tail. */
export function steadyRate(samples, count) {
  const from = timeAtRows(samples, 0.1 * count);
  const to = timeAtRows(samples, 0.9 * count);
  return to > from ? (0.8 * count) / (to - from) : undefined;
}

/** How long a run may take: generous, from a floor of 100 readings/s (or the paced rate). */
export function runTimeoutMs(count, rate) {
  const perSecond = rate > 0 ? Math.min(rate, 100) : 100;
  return 120_000 + (count / perSecond) * 1000;
}

/**
 * One throughput run (`rate` 0) or latency run (`rate` > 0, followed by `probes` single
 * readings published one a second on the otherwise idle pipeline).
 */
export async function measurePipeline(ctx, pipeline, { kind, count, rate, rep, probes = 0 }) {
  const tag = `${pipeline.name}-${kind}-${rep}`;
  const seed = `${tag}-${Date.now()}`;
  return withPipeline(ctx, pipeline, tag, async (run) => {
    const { consumer, target } = run;
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
    const { code } = await withTimeout(publisher.exited, 60_000, 'the publisher to exit after its last reading');
    if (code !== 0) throw exitedEarly(publisher, run.logDir);
    const rows = await summarizeRows(run.counter);
    if (rows.rows !== count) throw new Error(`expected ${count} rows, found ${rows.rows}`);

    // Single readings on the idle pipeline: one publisher at one reading a second. Its first
    // reading waits for the publisher's own connection to the broker, so it is not counted.
    let probeLatencyMs = [];
    let probePublisherCpuS;
    if (probes > 0) {
      await sleep(PROBE_IDLE_MS, ctx.signal);
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
      await withTimeout(probe.exited, 30_000, 'the single-reading publisher to exit');
      probeLatencyMs = await latestReadingLatenciesMs(run.counter, probes);
      probePublisherCpuS = probe.cpuSeconds();
    }

    const left = await inspectQueue(ctx.amqpUrl, target.queue);
    const deadLettered =
      pipeline.name === 'product' ? (await inspectQueue(ctx.amqpUrl, `${target.queue}.dead-letter`))?.messages : 0;
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
