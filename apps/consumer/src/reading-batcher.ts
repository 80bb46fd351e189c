import { backoffDelay, sleep, type BackoffOptions } from '@sensors/runtime';

export interface ReadingBatcherOptions<T> {
  /** A batch is written as soon as it holds this many items. */
  maxSize: number;
  /** …or once its oldest item has waited this long, in milliseconds. */
  maxWaitMs: number;
  /** Writes one batch; a rejection is retried with backoff, holding the batch. */
  write: (batch: T[]) => Promise<void>;
  /** Told about each failed write before the retry. */
  onWriteError?: (err: unknown, attempt: number, retryInMs: number) => void;
  /**
   * Delays between attempts (default 100 ms doubling up to 2 s: the batch is held meanwhile,
   * so a short cap means a short catch-up once the database is back).
   */
  backoff?: BackoffOptions;
}

interface Waiting<T> {
  item: T;
  at: number;
}

/**
 * Collects items into batches flushed on size or age, whichever comes first, with one write
 * in flight at a time: items that arrive during a write wait for the next one, so batches grow
 * by themselves under load while a lone item still leaves within `maxWaitMs`. A failed write
 * is retried (same batch, capped backoff) until it succeeds or {@link ReadingBatcher.close}.
 */
export class ReadingBatcher<T> {
  private waiting: Waiting<T>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private readonly closing = new AbortController();

  constructor(private readonly options: ReadingBatcherOptions<T>) {}

  /** Items added and not yet written. */
  get size(): number {
    return this.waiting.length;
  }

  add(item: T): void {
    this.waiting.push({ item, at: Date.now() });
    this.schedule();
  }

  /** Writes everything added so far; resolves once it is written (or the batcher closed). */
  async flush(): Promise<void> {
    while (this.waiting.length > 0 || this.writing) {
      if (this.closing.signal.aborted) return;
      this.writing ??= this.writeDue(true);
      await this.writing;
    }
  }

  /** Stops retrying and scheduling; what is unwritten stays unwritten (its messages stay unacked). */
  close(): void {
    this.closing.abort();
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.writing || this.closing.signal.aborted || this.waiting.length === 0) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const age = Date.now() - this.waiting[0].at;
    if (this.waiting.length >= this.options.maxSize || age >= this.options.maxWaitMs) {
      this.writing = this.writeDue(false);
    } else {
      this.timer = setTimeout(() => this.schedule(), this.options.maxWaitMs - age);
    }
  }

  private async writeDue(all: boolean): Promise<void> {
    try {
      do {
        const batch = this.waiting.splice(0, this.options.maxSize).map((w) => w.item);
        await this.writeWithRetry(batch);
      } while (all && this.waiting.length > 0 && !this.closing.signal.aborted);
    } finally {
      this.writing = undefined;
      this.schedule();
    }
  }

  private async writeWithRetry(batch: T[]): Promise<void> {
    for (let attempt = 0; !this.closing.signal.aborted; attempt++) {
      try {
        await this.options.write(batch);
        return;
      } catch (err) {
        const retryInMs = backoffDelay(attempt, this.options.backoff ?? { initialMs: 100, maxMs: 2_000 });
        this.options.onWriteError?.(err, attempt, retryInMs);
        await sleep(retryInMs, this.closing.signal);
      }
    }
  }
}
