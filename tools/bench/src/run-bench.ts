// The whole benchmark: build, snapshot, every pipeline's runs, the memory checks, the report.
import { execCommand, waitFor } from '@sensors/testing';
import { copyFileSync, cpSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { BenchContext } from './bench-context';
import { databaseVersion, inspectQueue, rabbitmqVersion } from './bench-services';
import { bundleScripts } from './bundle-scripts';
import { checkBacklog } from './check-backlog';
import { checkBlocked } from './check-blocked';
import { CleanupStack, errorMessage } from './cleanup-stack';
import { definePipelines, type Pipeline } from './define-pipelines';
import { measurePipeline, tailOf, type RunKind, type RunResult } from './measure-pipeline';
import type { BenchOptions } from './read-bench-options';
import { renderChart } from './render-chart';
import { renderPageMachine, writePageSection } from './performance-page';
import { renderReport, renderReportBody, type MachineDescription } from './render-report';
import { checkTargets, computeRatios, format, median, summarizePipeline, type StressResults } from './summarize-runs';

const BUILD_TIMEOUT_MS = 15 * 60_000;
/** How long to wait for RabbitMQ and Postgres when one stops answering (another session's drill, say). */
const SERVICES_TIMEOUT_MS = 5 * 60_000;

/** A run that failed, kept in the results. */
interface Failure {
  pipeline: string;
  kind: RunKind;
  rep: number;
  attempt: number;
  final: boolean;
  error: string;
}

async function build(ctx: BenchContext, options: BenchOptions): Promise<void> {
  if (!options.skipBuild) {
    ctx.log('building publisher and consumer (nx run-many -t build)…');
    const logFile = join(ctx.outDir, 'logs', 'build.log');
    const nx = join(ctx.root, 'node_modules/.bin/nx');
    try {
      await ctx.processes.run(
        'build',
        {
          script: nx,
          args: ['run-many', '-t', 'build', '-p', 'publisher', 'consumer', '--output-style=static'],
          env: { NX_NO_CLOUD: 'true', NX_DAEMON: 'false' },
        },
        { logFile, cwd: ctx.root },
        BUILD_TIMEOUT_MS,
      );
    } catch (err) {
      throw new Error(`${errorMessage(err)}\n${tailOf(logFile, 30)}`, { cause: err });
    }
  }
  // The benchmark's own copy, so that every run measures the same build.
  for (const part of ['apps/publisher', 'apps/consumer']) {
    cpSync(join(ctx.root, 'dist', part), join(ctx.buildDir, part), { recursive: true });
  }
  await bundleScripts(ctx.buildDir);
}

async function describeSource(ctx: BenchContext): Promise<{ commit: string; uncommittedFiles?: number }> {
  try {
    return await ctx.processes.untracked(async () => {
      const commit = (await execCommand('git', ['-C', ctx.root, 'rev-parse', '--short', 'HEAD'], 10_000)).trim();
      const status = await execCommand('git', ['-C', ctx.root, 'status', '--porcelain'], 10_000);
      return { commit, uncommittedFiles: status.split('\n').filter(Boolean).length };
    });
  } catch {
    return { commit: 'unknown' };
  }
}

async function describeMachine(ctx: BenchContext): Promise<MachineDescription> {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim(),
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    rabbitmq: await ctx.processes.untracked(() => rabbitmqVersion(ctx.broker)),
    postgres: await databaseVersion(ctx.adminUrl),
    loadAverage: loadavg().map((v) => v.toFixed(2)),
  };
}

async function servicesAnswer(ctx: BenchContext): Promise<boolean> {
  try {
    await inspectQueue(ctx.broker, 'sensors-bench-connectivity-check');
    await databaseVersion(ctx.adminUrl);
    return true;
  } catch {
    return false;
  }
}

async function waitForServices(ctx: BenchContext): Promise<void> {
  if (await servicesAnswer(ctx)) return;
  ctx.log(`  RabbitMQ or Postgres does not answer; waiting up to ${SERVICES_TIMEOUT_MS / 60_000} min`);
  await waitFor('RabbitMQ and Postgres to answer', () => servicesAnswer(ctx), {
    timeoutMs: SERVICES_TIMEOUT_MS,
    intervalMs: 2000,
    signal: ctx.signal,
  });
}

/** Tries again what earlier clean-ups could not remove; returns what is still left. */
async function removeLeftovers(ctx: BenchContext): Promise<string[]> {
  if (ctx.leftovers.length === 0) return [];
  ctx.log(`\nremoving ${ctx.leftovers.length} leftover(s) that an earlier clean-up could not remove`);
  await waitForServices(ctx).catch(() => undefined);
  const retry = new CleanupStack();
  for (const step of ctx.leftovers.splice(0).reverse()) retry.add(step.description, step.run);
  return (await retry.run(ctx.log)).map((step) => step.description);
}

/** One line about a run, as the benchmark prints it. */
export function describeRun(run: RunResult): string {
  const cpu = run.cpuS;
  const per10k = (s: number) => format((s / run.count) * 10_000, 2);
  const base = `${format(run.count, 0)} stored, ${format(run.readingsPerS, 0)} readings/s end to end (${format(run.spanS, 1)} s)`;
  if (run.kind === 'latency') {
    const single = run.probeLatencyMs.map((v) => format(v, 0)).join(', ');
    return `${base}; latency p50 ${format(run.latencyMs.p50, 0)} ms, p99 ${format(run.latencyMs.p99, 0)} ms; single ${single} ms`;
  }
  return `${base}; CPU s/10k pub ${per10k(cpu.publisher)} cons ${per10k(cpu.consumer)} rabbit ${per10k(cpu.rabbitmq)} pg ${per10k(cpu.postgres)}; RSS ${format(run.peakRssMb.publisher, 0)}/${format(run.peakRssMb.consumer, 0)} MB`;
}

async function measureAll(
  ctx: BenchContext,
  options: BenchOptions,
  pipelines: readonly Pipeline[],
): Promise<{ runs: RunResult[]; failures: Failure[] }> {
  const runs: RunResult[] = [];
  const failures: Failure[] = [];
  for (let rep = 1; rep <= options.reps; rep++) {
    // A different order each repetition, so that no pipeline always runs first (or last).
    const order = pipelines.map((_, i) => pipelines[(i + rep - 1) % pipelines.length]);
    for (const kind of ['throughput', 'latency'] as const) {
      for (const pipeline of order) {
        if (kind === 'latency' && pipeline.throughputOnly) continue;
        const naive = pipeline.name === 'naive';
        const plan =
          kind === 'throughput'
            ? { kind, rep, count: naive ? options.naiveCount : options.count, rate: 0 }
            : {
                kind,
                rep,
                count: naive ? Math.min(options.latencyCount, options.naiveCount) : options.latencyCount,
                rate: options.latencyRate,
                probes: options.probes,
              };
        for (let attempt = 1; attempt <= 1 + options.retries; attempt++) {
          await waitForServices(ctx);
          process.stdout.write(`rep ${rep}/${options.reps} ${kind.padEnd(10)} ${pipeline.name.padEnd(11)} `);
          try {
            const run = await measurePipeline(ctx, pipeline, plan);
            runs.push({ ...run, attempt });
            ctx.log(describeRun(run));
            break;
          } catch (err) {
            if (ctx.signal.aborted) throw ctx.signal.reason;
            const final = attempt > options.retries;
            ctx.log(`FAILED${final ? '' : ', will retry'}: ${errorMessage(err)}`);
            failures.push({ pipeline: pipeline.name, kind, rep, attempt, final, error: errorMessage(err) });
          }
        }
      }
    }
  }
  return { runs, failures };
}

async function runStressChecks(
  ctx: BenchContext,
  options: BenchOptions,
  product: Pipeline,
): Promise<{ results: StressResults; errors: Record<string, string> }> {
  const results: StressResults = {};
  const errors: Record<string, string> = {};
  const attempt = async <K extends keyof StressResults>(name: K, check: () => Promise<StressResults[K]>) => {
    ctx.log(`\n${name} check (product)…`);
    try {
      await waitForServices(ctx);
      results[name] = await check();
      ctx.log(`  done: ${JSON.stringify(results[name])}`);
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      ctx.log(`  FAILED: ${errorMessage(err)}`);
      errors[name] = errorMessage(err);
    }
  };
  if (options.backlog) await attempt('backlog', () => checkBacklog(ctx, product, { count: options.backlogCount }));
  if (options.blocked) {
    await attempt('blocked', () =>
      checkBlocked(ctx, product, { count: options.blockedCount, blockedSeconds: options.blockedSeconds }),
    );
  }
  return { results, errors };
}

function medianRun(runs: readonly RunResult[]): RunResult {
  const sorted = [...runs].sort((a, b) => a.readingsPerS - b.readingsPerS);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** What a page section says was measured: the pipelines and the memory checks. */
export function describeMeasured(options: Pick<BenchOptions, 'pipelines' | 'reps' | 'backlog' | 'blocked'>): string {
  const parts = options.reps > 0 ? [options.pipelines.join(', ')] : [];
  if (options.backlog) parts.push('backlog');
  if (options.blocked) parts.push('blocked broker');
  return `bench: ${parts.join('; ')}`;
}

/**
 * Runs the benchmark `options` describe and writes its results into `ctx.outDir` (and copies
 * as `latest-*` beside it), and into `options.page` when set; `command` is how it was run, as the
 * page states it. Resolves to whether everything ran and was cleaned up.
 */
export async function runBench(ctx: BenchContext, options: BenchOptions, command = 'npm run bench'): Promise<boolean> {
  const startedAt = new Date();
  await build(ctx, options);
  const source = await describeSource(ctx);
  await waitForServices(ctx);
  const machine = await describeMachine(ctx);
  const all = definePipelines(ctx, { mqttUrl: options.mqttUrl });
  const pipelines = options.pipelines.map((name) => all[name]);
  ctx.log(`results: ${relative(process.cwd(), ctx.outDir)}`);
  ctx.log(`pipelines: ${pipelines.map((p) => `${p.name} (${p.description})`).join('; ')}\n`);

  const { runs, failures } = await measureAll(ctx, options, pipelines);
  const stress = await runStressChecks(ctx, options, all.product);
  const leftovers = await removeLeftovers(ctx);

  const summaries = pipelines
    .map((p) =>
      summarizePipeline(
        p.name,
        runs.filter((r) => r.pipeline === p.name),
      ),
    )
    .filter((s) => s.readingsPerS !== undefined || s.latency.p50Ms !== undefined);
  const ratios = computeRatios(summaries, runs);
  const targets = checkTargets(summaries, ratios, stress.results);
  const report = renderReport({ summaries, ratios, targets, stress: stress.results, options, machine });
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
    stress: {
      ...stress.results,
      ...Object.fromEntries(Object.entries(stress.errors).map(([k, error]) => [k, { error }])),
    },
    failures,
    leftovers,
    runs,
    medianThroughputPerPipeline: Object.fromEntries(summaries.map((s) => [s.pipeline, median(s.readingsPerSRuns)])),
  };
  const files = {
    'results.json': `${JSON.stringify(results, null, 2)}\n`,
    'chart.svg': chart,
    'report.md': `${report}\n`,
  };
  for (const [file, text] of Object.entries(files)) {
    writeFileSync(join(ctx.outDir, file), text);
    copyFileSync(join(ctx.outDir, file), join(ctx.outDir, '..', `latest-${file}`));
  }

  ctx.log(`\n${report}\n`);
  const finalFailures = failures.filter((f) => f.final);
  const ok = finalFailures.length === 0 && leftovers.length === 0 && Object.keys(stress.errors).length === 0;
  if (failures.length > 0) {
    const which = failures.map((f) => `${f.pipeline} ${f.kind} rep ${f.rep} attempt ${f.attempt}`).join(', ');
    ctx.log(`${failures.length} attempt(s) failed, ${finalFailures.length} for good: ${which} (see results.json)`);
  }
  if (leftovers.length > 0) ctx.log(`NOT REMOVED (remove by hand): ${leftovers.join('; ')}`);
  const written = Object.keys(files).map((f) => relative(process.cwd(), join(ctx.outDir, f)));
  ctx.log(`written: ${written.join(', ')}`);
  ctx.log(
    `(and ${relative(process.cwd(), join(ctx.outDir, '..'))}/latest-*; process logs in ${relative(process.cwd(), join(ctx.outDir, 'logs'))})`,
  );
  if (options.page !== undefined) {
    // A page holds figures to go by: a run with failures stays in its results folder only.
    if (!ok) {
      ctx.log(`not written to ${options.page}: some runs or checks failed`);
    } else {
      const page = resolve(ctx.root, options.page);
      writePageSection(page, {
        date: startedAt.toISOString().slice(0, 10),
        what: describeMeasured(options),
        command,
        machine: renderPageMachine({
          ...machine,
          loadAverageStart: machine.loadAverage,
          loadAverageEnd: loadavg().map((v) => v.toFixed(2)),
          startedAt,
          finishedAt: new Date(),
          ...source,
        }),
        report: renderReportBody({ summaries, ratios, targets, stress: stress.results, options }),
      });
      ctx.log(`section written to ${relative(process.cwd(), page)}`);
    }
  }
  return ok;
}
