// The two long memory checks of the product, opt-in: the consumer draining a large backlog,
// and the publisher while the broker blocks publishers (memory alarm).
import { join } from 'node:path';
import { countUntilStored, runTimeoutMs, withPipeline } from './measure-pipeline.mjs';
import { countRows, inspectQueue, rabbitmqctl, readMemoryWatermark, setMemoryWatermarkSync } from './services.mjs';
import { sleep, waitFor, withTimeout } from './timing.mjs';

/** A watermark so low that the broker raises its memory alarm at once and blocks every publisher. */
const BLOCKING_WATERMARK = '0.0000001';
const DEFAULT_WATERMARK = 0.4;

/**
 * The broker's memory watermark, lowered for the blocked check. `restoreTo` is set before the
 * watermark is lowered, so that every way out (finally, Ctrl-C, exit) restores it.
 */
export const brokerWatermark = {
  restoreTo: undefined,
  async lower(ctx) {
    let previous;
    try {
      previous = readMemoryWatermark();
    } catch {
      // unreadable: fall back to RabbitMQ's default
    }
    this.restoreTo = previous ?? DEFAULT_WATERMARK;
    await rabbitmqctl(['set_vm_memory_high_watermark', BLOCKING_WATERMARK], {
      cwd: ctx.root,
      logFile: ctx.rabbitmqctlLog,
    });
  },
  async restore(ctx) {
    if (this.restoreTo === undefined) return;
    await rabbitmqctl(['set_vm_memory_high_watermark', String(this.restoreTo)], {
      cwd: ctx.root,
      logFile: ctx.rabbitmqctlLog,
    });
    ctx.log(`  broker memory watermark restored to ${this.restoreTo}`);
    this.restoreTo = undefined;
  },
  /** For the 'exit' handler, where only synchronous work runs. */
  restoreSync() {
    if (this.restoreTo === undefined) return;
    setMemoryWatermarkSync(this.restoreTo);
    this.restoreTo = undefined;
  },
};

function progressLogger(ctx, label, count) {
  let lastAt = Date.now();
  return (rows) => {
    if (Date.now() - lastAt < 10_000) return;
    lastAt = Date.now();
    ctx.log(`    ${label}: ${rows.toLocaleString('en-US')} of ${count.toLocaleString('en-US')}`);
  };
}

/**
 * Publishes `count` readings with the consumer stopped, then starts the consumer and measures
 * its peak RSS while it drains them all.
 */
export async function checkBacklog(ctx, product, { count }) {
  return withPipeline(
    ctx,
    product,
    'backlog',
    async (run) => {
      ctx.log(`  publishing ${count.toLocaleString('en-US')} readings with the consumer stopped`);
      const publishStartedAt = Date.now();
      const publisher = run.start(
        'publisher',
        product.publisher(run.target, { count, rate: 0, seed: `backlog-${Date.now()}` }),
      );
      await waitFor('the backlog publisher to finish', () => !publisher.running(), {
        timeoutMs: runTimeoutMs(count, 0),
        intervalMs: 500,
        signal: ctx.signal,
      });
      const { code } = await publisher.exited;
      if (code !== 0) throw new Error(`the backlog publisher failed; see ${join(run.logDir, 'publisher.log')}`);
      const publishS = (Date.now() - publishStartedAt) / 1000;
      // Exit code 0 means every reading was confirmed; a message may hold an envelope of them.
      const queued = (await inspectQueue(ctx.amqpUrl, run.target.queue))?.messages;
      if (!queued) throw new Error(`the publisher confirmed ${count} readings, but the queue is empty`);

      ctx.log(
        `  ${count.toLocaleString('en-US')} readings queued in ${queued.toLocaleString('en-US')} messages ` +
          `in ${publishS.toFixed(0)} s; starting the consumer`,
      );
      const consumer = await run.startConsumer();
      const drainStartedAt = Date.now();
      const cpuBefore = consumer.cpuSeconds();
      await countUntilStored(ctx, run, {
        count,
        startedAt: drainStartedAt,
        timeoutMs: runTimeoutMs(count, 0),
        onSample: progressLogger(ctx, 'stored', count),
      });
      const drainS = (Date.now() - drainStartedAt) / 1000;
      return {
        count,
        messages: queued,
        publishS,
        publisherPeakRssMb: publisher.peakRssMb(),
        drainS,
        drainReadingsPerS: count / drainS,
        consumerPeakRssMb: consumer.peakRssMb(),
        consumerCpuPer10kS: ((consumer.cpuSeconds() - cpuBefore) / count) * 10_000,
      };
    },
    { startConsumer: false },
  );
}

/**
 * Runs the product while the broker blocks publishers for `blockedSeconds` (memory alarm),
 * measuring the publisher's RSS during the block, then checks that every reading still
 * arrives once the alarm clears.
 */
export async function checkBlocked(ctx, product, { count, blockedSeconds }) {
  return withPipeline(ctx, product, 'blocked', async (run) => {
    const publisher = run.start(
      'publisher',
      product.publisher(run.target, { count, rate: 0, seed: `blocked-${Date.now()}` }),
    );
    const before = Math.min(10_000, Math.floor(count / 10));
    await waitFor(
      `${before} readings stored before blocking the broker`,
      async () => {
        if (!publisher.running()) throw new Error('the publisher ended before the block; raise --blocked-count');
        return (await countRows(run.counter)) >= before;
      },
      { timeoutMs: 120_000, signal: ctx.signal },
    );
    const peakBeforeMb = publisher.peakRssMb();
    publisher.resetPeak();
    ctx.log(`  blocking publishers for ${blockedSeconds} s (set_vm_memory_high_watermark ${BLOCKING_WATERMARK})`);
    const rows = {};
    try {
      await brokerWatermark.lower(ctx);
      rows.atBlock = await countRows(run.counter);
      // What was already queued still drains; after that nothing new may arrive.
      await sleep(Math.min(5000, (blockedSeconds * 1000) / 2), ctx.signal);
      rows.settled = await countRows(run.counter);
      await sleep(Math.max(0, blockedSeconds * 1000 - 5000), ctx.signal);
      rows.atUnblock = await countRows(run.counter);
    } finally {
      await brokerWatermark.restore(ctx);
    }
    const peakDuringBlockMb = publisher.peakRssMb();
    const unblockedAt = Date.now();
    await countUntilStored(ctx, run, { count, publisher, startedAt: unblockedAt, timeoutMs: runTimeoutMs(count, 0) });
    const { code } = await withTimeout(publisher.exited, 60_000, 'the publisher to exit after the block');
    return {
      count,
      blockedSeconds,
      rows,
      blocked: rows.atUnblock === rows.settled,
      publisherPeakBeforeBlockMb: peakBeforeMb,
      publisherPeakDuringBlockMb: peakDuringBlockMb,
      publisherExitCode: code,
      recoveredInS: (Date.now() - unblockedAt) / 1000,
      consumerPeakRssMb: run.consumer.peakRssMb(),
    };
  });
}
