import { enrichReading } from '@sensors/enrichment';
import { PublishRejectedError, type OutgoingMessage } from '@sensors/messaging';
import { InvalidSensorReadingError, parseSensorReading } from '@sensors/sensor-model';

/** Where readings go: a confirm publisher, or a fake in tests. */
export interface ReadingSink {
  whenWritable(): Promise<void>;
  publish(message: OutgoingMessage): Promise<void>;
}

/** Running totals, read by the progress log, the metrics and the exit code. */
export interface PublisherStats {
  generated: number;
  rejected: number;
  published: number;
  confirmed: number;
  failed: number;
  /** Failures by cause: `returned` (unroutable), `nacked`, or `error`. */
  failedByReason: Record<string, number>;
}

/** Fresh totals, all zero. */
export function newPublisherStats(): PublisherStats {
  return { generated: 0, rejected: 0, published: 0, confirmed: 0, failed: 0, failedByReason: {} };
}

export interface PublishReadingsOptions {
  source: AsyncIterable<unknown>;
  sink: ReadingSink;
  stats: PublisherStats;
  /** Stops taking readings from the source; those already published still get confirmed. */
  signal?: AbortSignal;
  onRejected?: (err: InvalidSensorReadingError) => void;
  onFailed?: (id: string, err: Error) => void;
}

/**
 * Validates, enriches and publishes every reading from `source`, waiting for room in the
 * sink's window before each (so a slow or blocked broker slows generation instead of growing
 * memory). Resolves when the source is exhausted or the signal aborts and every published
 * reading is confirmed or has failed.
 */
export async function publishReadings(options: PublishReadingsOptions): Promise<void> {
  const { source, sink, stats, signal } = options;
  const outstanding = new Set<Promise<void>>();
  for await (const input of source) {
    if (signal?.aborted) break;
    stats.generated++;
    let message: OutgoingMessage;
    try {
      const reading = enrichReading(parseSensorReading(input));
      message = { id: reading.id, body: Buffer.from(JSON.stringify(reading)) };
    } catch (err) {
      if (!(err instanceof InvalidSensorReadingError)) throw err;
      stats.rejected++;
      options.onRejected?.(err);
      continue;
    }
    await sink.whenWritable();
    stats.published++;
    const confirmation = sink.publish(message).then(
      () => void stats.confirmed++,
      (err: Error) => {
        stats.failed++;
        const reason = err instanceof PublishRejectedError ? err.reason : 'error';
        stats.failedByReason[reason] = (stats.failedByReason[reason] ?? 0) + 1;
        options.onFailed?.(message.id, err);
      },
    );
    outstanding.add(confirmation);
    void confirmation.finally(() => outstanding.delete(confirmation));
    if (signal?.aborted) break;
  }
  await Promise.all(outstanding);
}
