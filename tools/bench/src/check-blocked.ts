import { startRabbitNode, waitFor, withTimeout, type RabbitNode } from '@sensors/testing';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { BenchContext } from './bench-context';
import { countRows } from './bench-services';
import type { Pipeline } from './define-pipelines';
import { countUntilStored, runTimeoutMs, withPipeline } from './measure-pipeline';

/** A watermark so low that the broker raises its memory alarm at once and blocks every publisher. */
const BLOCKING_WATERMARK = '0.0000001';
const DEFAULT_WATERMARK = '0.4';
/** Where the harness finds the RabbitMQ server scripts (Debian's rabbitmq-server package). */
const RABBITMQ_SCRIPTS = process.env['RABBITMQ_SCRIPTS'] ?? '/usr/lib/rabbitmq/bin';

/**
 * The blocked run's pace: its readings take the block and 20 s more, so that the publisher is
 * still sending when the alarm rises (`rabbitmqctl` takes seconds on a loaded machine), however
 * fast the machine; at least 1,000/s, so that a block meets a full window of unconfirmed readings.
 */
export function blockedRunRate(count: number, blockedSeconds: number): number {
  return Math.max(1000, Math.floor(count / (blockedSeconds + 20)));
}

/** What {@link checkBlocked} found. */
export interface BlockedResult {
  count: number;
  blockedSeconds: number;
  rows: { atBlock: number; settled: number; atUnblock: number };
  blocked: boolean;
  publisherPeakBeforeBlockMb: number;
  publisherPeakDuringBlockMb: number;
  publisherExitCode: number | string;
  recoveredInS: number;
  consumerPeakRssMb: number;
}

/**
 * Why the blocked check cannot run here, or undefined when it can: a memory alarm blocks every
 * publisher of a broker, so the check runs only on a RabbitMQ node of its own.
 */
export function blockedCheckUnavailable(): string | undefined {
  if (existsSync(join(RABBITMQ_SCRIPTS, 'rabbitmq-server'))) return undefined;
  return (
    `--blocked raises a memory alarm, which blocks every publisher of a broker, so it runs only on a ` +
    `RabbitMQ node of its own, and needs the RabbitMQ server scripts for that: none in ${RABBITMQ_SCRIPTS}. ` +
    `Install Debian's rabbitmq-server package (its service need not run) or set RABBITMQ_SCRIPTS.`
  );
}

/**
 * Runs the product on a throwaway RabbitMQ node (never the machine's broker) while that node
 * blocks publishers for `blockedSeconds` (memory alarm), measuring the publisher's RSS during
 * the block, then checks that every reading still arrives once the alarm clears.
 */
export async function checkBlocked(
  ctx: BenchContext,
  product: Pipeline,
  { count, blockedSeconds }: { count: number; blockedSeconds: number },
): Promise<BlockedResult> {
  const unavailable = blockedCheckUnavailable();
  if (unavailable) throw new Error(unavailable);
  ctx.log('  starting a RabbitMQ node of its own (the memory alarm blocks every publisher of a broker)');
  let node: RabbitNode | undefined;
  // A second Ctrl-C exits at once: the node's VM is killed by its PID on the way out.
  const killNode = () => void node?.kill();
  process.once('exit', killNode);
  try {
    node = await ctx.processes.untracked(() => startRabbitNode({ prefix: 'sensors_bench_' }));
    return await blockOn(node, { ...ctx, amqpUrl: node.url, broker: node }, product, { count, blockedSeconds });
  } finally {
    process.removeListener('exit', killNode);
    const started = node;
    if (started) await ctx.processes.untracked(() => started.stop());
  }
}

async function blockOn(
  node: RabbitNode,
  ctx: BenchContext,
  product: Pipeline,
  { count, blockedSeconds }: { count: number; blockedSeconds: number },
): Promise<BlockedResult> {
  return withPipeline(ctx, product, 'blocked', async (run) => {
    const publisher = run.start(
      'publisher',
      product.publisher(run.target, {
        count,
        rate: blockedRunRate(count, blockedSeconds),
        seed: `blocked-${Date.now()}`,
      }),
    );
    const before = Math.min(10_000, Math.floor(count / 10));
    await waitFor(
      `${before} readings stored before blocking the broker`,
      async () => {
        if (!publisher.running) throw new Error('the publisher ended before the block; raise --blocked-count');
        return (await countRows(run.counter)) >= before;
      },
      { timeoutMs: 120_000, intervalMs: 200, signal: ctx.signal },
    );
    const peakBeforeMb = publisher.peakRssMb();
    publisher.resetPeak();
    ctx.log(`  blocking publishers for ${blockedSeconds} s (set_vm_memory_high_watermark ${BLOCKING_WATERMARK})`);
    const setWatermark = (fraction: string) =>
      ctx.processes.untracked(() => node.ctl(['set_vm_memory_high_watermark', fraction]));
    let rows: BlockedResult['rows'];
    try {
      await setWatermark(BLOCKING_WATERMARK);
      if (!publisher.running) {
        throw new Error('the publisher had sent every reading before the block began; raise --blocked-count');
      }
      const atBlock = await countRows(run.counter);
      // What was already queued still drains; after that nothing new may arrive.
      await delay(Math.min(5000, (blockedSeconds * 1000) / 2), undefined, { signal: ctx.signal });
      const settled = await countRows(run.counter);
      await delay(Math.max(0, blockedSeconds * 1000 - 5000), undefined, { signal: ctx.signal });
      rows = { atBlock, settled, atUnblock: await countRows(run.counter) };
    } finally {
      await setWatermark(DEFAULT_WATERMARK);
    }
    const peakDuringBlockMb = publisher.peakRssMb();
    const unblockedAt = Date.now();
    await countUntilStored(ctx, run, { count, publisher, startedAt: unblockedAt, timeoutMs: runTimeoutMs(count, 0) });
    const exit = await withTimeout('the publisher to exit after the block', publisher.exited, 60_000);
    return {
      count,
      blockedSeconds,
      rows,
      blocked: rows.atUnblock === rows.settled,
      publisherPeakBeforeBlockMb: peakBeforeMb,
      publisherPeakDuringBlockMb: peakDuringBlockMb,
      publisherExitCode: exit,
      recoveredInS: (Date.now() - unblockedAt) / 1000,
      consumerPeakRssMb: run.consumer?.peakRssMb() ?? 0,
    };
  });
}
