// `npm run bench`: the product against two references (issue 5), end to end, on the same
// broker and database. See tools/bench/README.md.
import { copyFileSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { renderChart } from './chart.mjs';
import { measurePipeline } from './measure-pipeline.mjs';
import { readOptions, usage } from './options.mjs';
import { definePipelines } from './pipelines.mjs';
import { killAllStarted, runSync, runToEnd, stopAllStarted, tailOf } from './processes.mjs';
import { checkTargets, computeRatios, format, median, renderReport, summarizePipeline } from './report.mjs';
import { databaseVersion, inspectQueue, rabbitmqVersion } from './services.mjs';
import { CleanupStack, waitFor } from './timing.mjs';
import { brokerWatermark, checkBacklog, checkBlocked } from './stress-checks.mjs';

const root = resolve(import.meta.dirname, '../..');
const BUILD_TIMEOUT_MS = 15 * 60_000;
/** How long to wait for RabbitMQ and Postgres when one stops answering (another session's drill, say). */
const SERVICES_TIMEOUT_MS = 5 * 60_000;

let options;
try {
  options = readOptions(process.argv.slice(2));
} catch (err) {
  console.error(`${err.message}\n\n${usage()}`);
  process.exit(2);
}
if (options.help) {
  console.log(usage());
  process.exit(0);
}

const runId = new Date().toISOString().replace(/[:.]/g, '-').replace('Z', '');
const outDir = resolve(root, options.out, runId);
mkdirSync(join(outDir, 'logs'), { recursive: true });
const aborter = new AbortController();
const log = (line) => console.log(line);
const ctx = {
  root,
  outDir,
  /** The benchmark's own copy of what it runs, so that a rebuild meanwhile changes nothing. */
  buildDir: join(outDir, 'build'),
  amqpUrl: options.amqpUrl,
  adminUrl: options.databaseUrl,
  signal: aborter.signal,
  log,
  rabbitmqctlLog: join(outDir, 'logs', 'rabbitmqctl.log'),
  /** Clean-up steps that failed (e.g. the broker was down), tried again at the end. */
  leftovers: [],
};

// First signal: stop waiting and clean up (every wait is abortable, every run cleans up after
// itself). Second signal: kill what is left at once. Either way the watermark is restored.
let signals = 0;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    signals++;
    if (signals === 1) {
      log(`\n${signal}: stopping and cleaning up (send it again to kill everything at once)`);
      aborter.abort(new Error(`interrupted by ${signal}`));
      return;
    }
    brokerWatermark.restoreSync();
    killAllStarted();
    process.exit(130);
  });
}
process.on('exit', () => {
  try {
    brokerWatermark.restoreSync();
  } catch (err) {
    console.error(
      `could not restore the broker's memory watermark: ${err.message}; run: rabbitmqctl set_vm_memory_high_watermark 0.4`,
    );
  }
  killAllStarted();
});

async function build() {
  if (options.skipBuild) return;
  log('building publisher, consumer and sensor-generator (nx run-many -t build)…');
  const logFile = join(outDir, 'logs', 'build.log');
  try {
    await runToEnd(
      'build',
      'npx',
      ['nx', 'run-many', '-t', 'build', '-p', 'publisher', 'consumer', 'sensor-generator', '--output-style=static'],
      { cwd: root, env: { ...process.env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false' }, logFile },
      BUILD_TIMEOUT_MS,
    );
  } catch (err) {
    throw new Error(`${err.message}\n${tailOf(logFile, 30)}`, { cause: err });
  }
}

/** Copies the built apps and generator, so that every run measures the same build. */
function snapshotBuild() {
  for (const part of ['apps/publisher', 'apps/consumer', 'libs/sensor-generator']) {
    cpSync(join(root, 'dist', part), join(ctx.buildDir, part), { recursive: true });
  }
}

function describeSource() {
  try {
    const commit = runSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD']).trim();
    const changed = runSync('git', ['-C', root, 'status', '--porcelain']).split('\n').filter(Boolean).length;
    return { commit, uncommittedFiles: changed };
  } catch {
    return { commit: 'unknown' };
  }
}

async function describeMachine() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim(),
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    rabbitmq: rabbitmqVersion(),
    postgres: await databaseVersion(ctx.adminUrl),
    loadAverage: os.loadavg().map((v) => v.toFixed(2)),
  };
}

async function servicesAnswer() {
  try {
    await inspectQueue(ctx.amqpUrl, 'sensors-bench-connectivity-check');
    await databaseVersion(ctx.adminUrl);
    return true;
  } catch {
    return false;
  }
}

async function waitForServices() {
  if (await servicesAnswer()) return;
  log(`  RabbitMQ or Postgres does not answer; waiting up to ${SERVICES_TIMEOUT_MS / 60_000} min`);
  await waitFor('RabbitMQ and Postgres to answer', servicesAnswer, {
    timeoutMs: SERVICES_TIMEOUT_MS,
    intervalMs: 2000,
    signal: ctx.signal,
  });
}

/** Tries again what earlier clean-ups could not remove; returns what is still left. */
async function removeLeftovers() {
  if (ctx.leftovers.length === 0) return [];
  log(`\nremoving ${ctx.leftovers.length} leftover(s) that an earlier clean-up could not remove`);
  await waitForServices().catch(() => undefined);
  const retry = new CleanupStack();
  for (const step of ctx.leftovers.splice(0).reverse()) retry.add(step.description, step.run);
  return (await retry.run(log)).map((step) => step.description);
}

function describeRun(run) {
  const cpu = run.cpuS;
  const per10k = (s) => format((s / run.count) * 10_000, 2);
  const base = `${format(run.count, 0)} stored, ${format(run.readingsPerS, 0)} readings/s end to end (${format(run.spanS, 1)} s)`;
  if (run.kind === 'latency') {
    return `${base}; latency p50 ${format(run.latencyMs.p50, 0)} ms, p99 ${format(run.latencyMs.p99, 0)} ms; single ${run.probeLatencyMs.map((v) => format(v, 0)).join(', ')} ms`;
  }
  return `${base}; CPU s/10k pub ${per10k(cpu.publisher)} cons ${per10k(cpu.consumer)} rabbit ${per10k(cpu.rabbitmq)} pg ${per10k(cpu.postgres)}; RSS ${format(run.peakRssMb.publisher, 0)}/${format(run.peakRssMb.consumer, 0)} MB`;
}

async function measureAll(pipelines) {
  const runs = [];
  const failures = [];
  const plans = (pipeline) => [
    { kind: 'throughput', count: pipeline.name === 'naive' ? options.naiveCount : options.count, rate: 0 },
    {
      kind: 'latency',
      count: pipeline.name === 'naive' ? Math.min(options.latencyCount, options.naiveCount) : options.latencyCount,
      rate: options.latencyRate,
      probes: options.probes,
    },
  ];
  for (let rep = 1; rep <= options.reps; rep++) {
    // A different order each repetition, so that no pipeline always runs first (or last).
    const order = pipelines.map((_, i) => pipelines[(i + rep - 1) % pipelines.length]);
    for (const kind of ['throughput', 'latency']) {
      for (const pipeline of order) {
        if (kind === 'latency' && pipeline.throughputOnly) continue;
        const plan = plans(pipeline).find((p) => p.kind === kind);
        for (let attempt = 1; attempt <= 1 + options.retries; attempt++) {
          await waitForServices();
          process.stdout.write(`rep ${rep}/${options.reps} ${kind.padEnd(10)} ${pipeline.name.padEnd(11)} `);
          try {
            const run = await measurePipeline(ctx, pipeline, { ...plan, rep });
            runs.push({ ...run, attempt });
            log(describeRun(run));
            break;
          } catch (err) {
            if (ctx.signal.aborted) throw ctx.signal.reason;
            const last = attempt > options.retries;
            log(`FAILED${last ? '' : ', will retry'}: ${err.message}`);
            failures.push({ pipeline: pipeline.name, kind, rep, attempt, final: last, error: err.message });
          }
        }
      }
    }
  }
  return { runs, failures };
}

async function runStressChecks(product) {
  const stress = {};
  const attempt = async (name, check) => {
    log(`\n${name} check (product)…`);
    try {
      await waitForServices();
      stress[name] = await check();
      log(`  done: ${JSON.stringify(stress[name])}`);
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      log(`  FAILED: ${err.message}`);
      stress[name] = { error: err.message };
    }
  };
  if (options.backlog) await attempt('backlog', () => checkBacklog(ctx, product, { count: options.backlogCount }));
  if (options.blocked) {
    await attempt('blocked', () =>
      checkBlocked(ctx, product, { count: options.blockedCount, blockedSeconds: options.blockedSeconds }),
    );
  }
  return stress;
}

function medianRun(runs) {
  const sorted = [...runs].sort((a, b) => a.readingsPerS - b.readingsPerS);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

async function main() {
  const startedAt = new Date();
  await build();
  snapshotBuild();
  const source = describeSource();
  await waitForServices();
  const machine = await describeMachine();
  const all = definePipelines(root, ctx.buildDir, { mqttUrl: options.mqttUrl });
  const pipelines = options.pipelines.map((name) => all[name]);
  log(`results: ${relative(process.cwd(), outDir)}`);
  log(`pipelines: ${pipelines.map((p) => `${p.name} (${p.description})`).join('; ')}\n`);

  const { runs, failures } = await measureAll(pipelines);
  const stress = await runStressChecks(all.product);
  const leftovers = await removeLeftovers();

  const summaries = pipelines
    .map((p) =>
      summarizePipeline(
        p.name,
        runs.filter((r) => r.pipeline === p.name),
      ),
    )
    .filter((s) => s.readingsPerS !== undefined || s.latency.p50Ms !== undefined);
  const ratios = computeRatios(summaries, runs);
  const targets = checkTargets(summaries, ratios, {
    backlog: stress.backlog?.error ? undefined : stress.backlog,
    blocked: stress.blocked?.error ? undefined : stress.blocked,
  });
  const report = renderReport({
    summaries,
    ratios,
    targets,
    stress: {
      backlog: stress.backlog?.error ? undefined : stress.backlog,
      blocked: stress.blocked?.error ? undefined : stress.blocked,
    },
    options,
    machine,
  });

  const chartLines = pipelines
    .map((p) => runs.filter((r) => r.pipeline === p.name && r.kind === 'throughput'))
    .filter((list) => list.length > 0)
    .map(medianRun);
  const chart = renderChart(chartLines, {
    title: `Readings stored per second, ${format(options.count, 0)} readings (naive ${format(options.naiveCount, 0)})`,
    subtitle: `median run of ${options.reps} per pipeline; ${machine.cpus} cores, ${startedAt.toISOString().slice(0, 16)} UTC`,
  });
  const results = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    options: { ...options, amqpUrl: undefined, databaseUrl: undefined, mqttUrl: undefined },
    machine,
    source,
    summaries,
    ratios,
    targets,
    stress,
    failures,
    leftovers,
    runs,
    medianThroughputPerPipeline: Object.fromEntries(summaries.map((s) => [s.pipeline, median(s.readingsPerSRuns)])),
  };
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(outDir, 'chart.svg'), chart);
  writeFileSync(join(outDir, 'report.md'), `${report}\n`);
  for (const file of ['results.json', 'chart.svg', 'report.md']) {
    copyFileSync(join(outDir, file), join(outDir, '..', `latest-${file}`));
  }

  log(`\n${report}\n`);
  const finalFailures = failures.filter((f) => f.final);
  if (failures.length > 0) {
    log(
      `${failures.length} attempt(s) failed, ${finalFailures.length} for good: ${failures.map((f) => `${f.pipeline} ${f.kind} rep ${f.rep} attempt ${f.attempt}`).join(', ')} (see results.json)`,
    );
  }
  if (leftovers.length > 0) log(`NOT REMOVED (remove by hand): ${leftovers.join('; ')}`);
  log(
    `written: ${['results.json', 'report.md', 'chart.svg'].map((f) => relative(process.cwd(), join(outDir, f))).join(', ')}`,
  );
  log(
    `(and ${relative(process.cwd(), join(outDir, '..'))}/latest-*; process logs in ${relative(process.cwd(), join(outDir, 'logs'))})`,
  );
  return finalFailures.length === 0 && leftovers.length === 0 && Object.values(stress).every((s) => !s.error);
}

try {
  const ok = await main();
  process.exitCode = ok ? 0 : 1;
} catch (err) {
  console.error(`\nbenchmark failed: ${err.message}`);
  process.exitCode = aborter.signal.aborted ? 130 : 1;
} finally {
  // Each run already cleaned up after itself; this catches anything a failure left running.
  await stopAllStarted();
  try {
    await brokerWatermark.restore(ctx);
  } catch (err) {
    console.error(`could not restore the broker's memory watermark: ${err.message}`);
  }
}
