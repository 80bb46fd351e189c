import { waitFor } from '@sensors/testing';
import type { BenchContext } from './bench-context';
import { inspectQueue } from './bench-services';
import type { Pipeline } from './define-pipelines';
import { countUntilStored, runTimeoutMs, tailOf, withPipeline } from './measure-pipeline';

/** What {@link checkBacklog} found. */
export interface BacklogResult {
  count: number;
  messages: number;
  publishS: number;
  publisherPeakRssMb: number;
  drainS: number;
  drainReadingsPerS: number;
  consumerPeakRssMb: number;
  consumerCpuPer10kS: number;
}

/** Logs the row count every 10 s during a long wait. */
export function progressLogger(ctx: BenchContext, label: string, count: number): (rows: number) => void {
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
export async function checkBacklog(
  ctx: BenchContext,
  product: Pipeline,
  { count }: { count: number },
): Promise<BacklogResult> {
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
      await waitFor('the backlog publisher to finish', () => !publisher.running, {
        timeoutMs: runTimeoutMs(count, 0),
        intervalMs: 500,
        signal: ctx.signal,
      });
      if ((await publisher.exited) !== 0) {
        throw new Error(
          `the backlog publisher failed; the last lines of ${publisher.logFile}:\n${tailOf(publisher.logFile)}`,
        );
      }
      const publishS = (Date.now() - publishStartedAt) / 1000;
      // Exit code 0 means every reading was confirmed; a message may hold an envelope of them.
      const queued = (await inspectQueue(ctx.broker, run.target.queue))?.messages;
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
