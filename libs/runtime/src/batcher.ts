import type { BackoffOptions } from './backoff-delay';
import { RETRY_DELAYS, retry } from './retry';

export interface BatcherOptions<T> {
  /** A batch is written as soon as it holds this many items. */
  maxSize: number;
  /** …or once its oldest item has waited this long, in milliseconds. */
  maxWaitMs: number;
  /** Batches being written at once, at most (default 1). */
  concurrency?: number;
  /**
   * Whether no more items can arrive until a write settles some (say, the channel's prefetch is
   * used up): a partial batch is then written at once instead of waiting out `maxWaitMs`.
   */
  starved?: () => boolean;
  /** Called (in a microtask) each time a batch leaves the buffered items, making room for more. */
  onRoom?: () => void;
  /** Writes one batch; a rejection is retried with backoff, holding the batch. */
  write: (batch: T[]) => Promise<void>;
  /** Told about each failed write before the retry. */
  onWriteError?: (err: unknown, attempt: number, retryInMs: number) => void;
  /**
   * Delays between attempts (default `RETRY_DELAYS.reconnect`: the batch is held meanwhile,
   * so a short cap means a short catch-up once the database is back).
   */
  backoff?: BackoffOptions;
}

/**
 * Collects items into batches written on size or age, whichever comes first, with at most
 * `concurrency` writes in flight: items that arrive while every writer is busy wait for the
 * next free one, so batches grow by themselves under load while a lone item still leaves within
 * `maxWaitMs`. A failed write is retried (same batch, capped backoff) until it succeeds or
 * {@link Batcher.close}. Batches may complete out of order.
 *
 * @example
 * const batcher = new Batcher({ maxSize: 1000, maxWaitMs: 50, concurrency: 2, write: (rows) => save(rows) });
 * batcher.add(row);
 * await batcher.flush();
 */
export class Batcher<T> {
  // Two arrays rather than an object per item: items wait long enough to survive a garbage
  // collection or two, and each object that survives is copied.
  private buffered: T[] = [];
  private addedAt: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writes = 0;
  private draining = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly concurrency: number;
  private readonly closing = new AbortController();

  constructor(private readonly options: BatcherOptions<T>) {
    this.concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new RangeError(`concurrency must be an integer of at least 1 (got ${this.concurrency})`);
    }
  }

  /** Items added and not yet handed to a write. */
  get size(): number {
    return this.buffered.length;
  }

  /** Batches being written (retries included). */
  get writing(): number {
    return this.writes;
  }

  add(item: T): void {
    this.buffered.push(item);
    this.addedAt.push(Date.now());
    this.schedule();
  }

  /** Writes everything added so far; resolves once it is written (or the batcher closed). */
  async flush(): Promise<void> {
    this.draining++;
    try {
      this.schedule();
      while ((this.buffered.length > 0 || this.writes > 0) && !this.closing.signal.aborted) {
        await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      }
    } finally {
      this.draining--;
    }
  }

  /**
   * Stops retrying and scheduling; what is unwritten stays unwritten (its messages stay unacked).
   * A pending {@link Batcher.flush} returns at once, even while a write is still running.
   */
  close(): void {
    this.closing.abort();
    clearTimeout(this.timer);
    this.wakeIdleWaiters();
  }

  private schedule(): void {
    while (this.buffered.length > 0 && this.writes < this.concurrency && !this.closing.signal.aborted) {
      const age = Date.now() - this.addedAt[0];
      const due =
        this.draining > 0 ||
        this.buffered.length >= this.options.maxSize ||
        age >= this.options.maxWaitMs ||
        this.options.starved?.() === true;
      if (!due) {
        // The oldest item sets the deadline, and it stays the oldest until a write takes it.
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          this.schedule();
        }, this.options.maxWaitMs - age);
        return;
      }
      clearTimeout(this.timer);
      this.timer = undefined;
      this.addedAt.splice(0, this.options.maxSize);
      void this.write(this.buffered.splice(0, this.options.maxSize));
      if (this.options.onRoom) queueMicrotask(this.options.onRoom);
    }
  }

  private async write(batch: T[]): Promise<void> {
    this.writes++;
    try {
      await this.writeWithRetry(batch);
    } finally {
      this.writes--;
      this.schedule();
      this.wakeIdleWaiters();
    }
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  private async writeWithRetry(batch: T[]): Promise<void> {
    if (this.closing.signal.aborted) return;
    await retry(() => this.options.write(batch), {
      backoff: this.options.backoff ?? RETRY_DELAYS.reconnect,
      signal: this.closing.signal,
      onError: this.options.onWriteError,
    }).catch(() => {
      // Closed while failing: the batch stays unwritten.
    });
  }
}
