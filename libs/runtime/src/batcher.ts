import { setMaxListeners } from 'node:events';
import type { BackoffOptions } from './backoff-delay';
import { RETRY_DELAYS, retry } from './retry';
import { WaitList } from './wait-list';

export interface BatcherOptions<T, C = void> {
  /** A batch is written as soon as it holds this many items… */
  maxSize: number;
  /** …or once its oldest item has waited this long, in milliseconds… */
  lingerMs: number;
  /**
   * …or once the next item would take it past this many bytes, as `bytesOf` weighs its items
   * (default: no byte limit). An item heavier than `maxBytes` makes a batch of its own.
   */
  maxBytes?: number;
  /**
   * An item's weight against `maxBytes`, in bytes (a number ≥ 0); required with `maxBytes`. It
   * is asked again for the items of a batch that the limit cuts short, so it must answer the same.
   */
  bytesOf?: (item: T) => number;
  /**
   * Batches being written at once, at most: an integer ≥ 1, or `Infinity` to write every batch
   * as soon as it is due (default 1).
   */
  concurrency?: number;
  /**
   * Whether no more items can arrive until a write settles some (say, the channel's prefetch is
   * used up): a partial batch is then written at once instead of lingering.
   */
  starved?: () => boolean;
  /** Called (in a microtask) each time a batch leaves the buffered items, making room for more. */
  onRoom?: () => void;
  /**
   * Writes one batch, with the companion of each item given to {@link Batcher.add}, index for
   * index; a rejection is retried with backoff, holding the batch. A write that must not be
   * retried never rejects.
   */
  write: (batch: T[], companions: C[]) => Promise<void>;
  /** Told about each failed write before the retry. */
  onWriteError?: (err: unknown, attempt: number, retryInMs: number) => void;
  /**
   * Delays between attempts (default `RETRY_DELAYS.reconnect`: the batch is held meanwhile,
   * so a short cap means a short catch-up once the database is back).
   */
  backoff?: BackoffOptions;
}

/**
 * Collects items into batches written on size, bytes or linger, whichever comes first, with at
 * most `concurrency` writes in flight: items that arrive while every writer is busy wait for
 * the next free one, so batches grow by themselves under load while a lone item still leaves
 * within `lingerMs`. A failed write is retried (same batch, capped backoff) until it succeeds
 * or {@link Batcher.close}. Batches may complete out of order.
 *
 * Each item may carry a companion (`C`, say who to tell of its fate), handed to the write
 * beside the batch, so that the caller needs no object per item to pair them.
 *
 * @example
 * const batcher = new Batcher({ maxSize: 1000, lingerMs: 50, concurrency: 2, write: (rows) => save(rows) });
 * batcher.add(row);
 * await batcher.flush();
 */
export class Batcher<T, C = void> {
  // Parallel arrays rather than an object per item: items wait long enough to survive a garbage
  // collection or two, and each object that survives is copied.
  private items: T[] = [];
  private companions: C[] = [];
  /** Items added and items taken into writes, ever: an item's number is `added` before its add. */
  private added = 0;
  private taken = 0;
  /**
   * When the items whose time may be needed were added (see add), by number, oldest first: the
   * first stamp is always the first buffered item's.
   */
  private stampedItems: number[] = [];
  private stampTimes: number[] = [];
  /** The buffered items' bytes, under a byte limit. */
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private writes = 0;
  private draining = 0;
  private readonly idle = new WaitList();
  private readonly concurrency: number;
  private readonly maxBytes: number;
  /** Aborted by close(), for the retries; `closed` is the same, cheaper to read on every add. */
  private readonly closing = new AbortController();
  private closed = false;

  constructor(private readonly options: BatcherOptions<T, C>) {
    this.concurrency = options.concurrency ?? 1;
    if (!(Number.isInteger(this.concurrency) || this.concurrency === Infinity) || this.concurrency < 1) {
      throw new RangeError(`concurrency must be an integer of at least 1, or Infinity (got ${this.concurrency})`);
    }
    if ((options.maxBytes === undefined) !== (options.bytesOf === undefined)) {
      throw new TypeError('maxBytes and bytesOf go together: give both for a byte limit, or neither');
    }
    this.maxBytes = options.maxBytes ?? Infinity;
    // Each write being retried listens to it, and there may be more than ten.
    setMaxListeners(0, this.closing.signal);
  }

  /** Items added and not yet handed to a write. */
  get size(): number {
    return this.items.length;
  }

  /** Batches being written (retries included). */
  get writing(): number {
    return this.writes;
  }

  /** Adds an item, and its companion for the write. */
  add(item: T, companion: C): void {
    // Reading the clock is a good part of an add, and only an item that may come first in the
    // buffer needs its time: the first item, and those piling up behind busy writers (a write may
    // leave one of them first). Any other item joins a batch that a free writer takes whole, but
    // for one that overflows it by bytes, which writeOldest stamps as it leaves it first.
    if (this.items.length === 0 || this.writes >= this.concurrency) {
      this.stampedItems.push(this.added);
      this.stampTimes.push(Date.now());
    }
    this.added++;
    this.items.push(item);
    this.companions.push(companion);
    if (this.options.bytesOf) this.bytes += this.options.bytesOf(item);
    this.schedule();
  }

  /** Writes everything added so far; resolves once it is written (or the batcher closed). */
  async flush(): Promise<void> {
    this.draining++;
    try {
      this.schedule();
      await this.idle.until(() => (this.items.length === 0 && this.writes === 0) || this.closed);
    } finally {
      this.draining--;
    }
  }

  /**
   * Stops retrying and scheduling; what is unwritten stays unwritten (its messages stay unacked).
   * A pending {@link Batcher.flush} returns at once, even while a write is still running.
   */
  close(): void {
    this.closed = true;
    this.closing.abort();
    clearTimeout(this.timer);
    this.idle.wakeAll();
  }

  private readonly lingered = (): void => {
    this.timer = undefined;
    this.schedule();
  };

  private schedule(): void {
    while (this.items.length > 0 && this.writes < this.concurrency && !this.closed) {
      const due =
        this.draining > 0 ||
        this.items.length >= this.options.maxSize ||
        this.bytes > this.maxBytes ||
        this.options.starved?.() === true;
      // A timer set is the oldest item's deadline, and it stays the oldest until a write takes it.
      if (!due && this.timer !== undefined) return;
      if (!due) {
        const age = Date.now() - this.stampTimes[0];
        if (age < this.options.lingerMs) {
          this.timer = setTimeout(this.lingered, this.options.lingerMs - age);
          return;
        }
      }
      clearTimeout(this.timer);
      this.timer = undefined;
      this.writeOldest();
      if (this.options.onRoom) queueMicrotask(this.options.onRoom);
    }
  }

  /**
   * Writes the oldest items, up to `maxSize` and within `maxBytes` (one at least): the buffered
   * arrays themselves, uncopied, when the batch takes every item.
   */
  private writeOldest(): void {
    const { bytesOf } = this.options;
    let count = Math.min(this.items.length, this.options.maxSize);
    if (bytesOf && (count < this.items.length || this.bytes > this.maxBytes)) {
      // Weighed again rather than kept, which would cost every add: only a partial batch needs it.
      let bytes = bytesOf(this.items[0]);
      let fitting = 1;
      while (fitting < count) {
        const next = bytesOf(this.items[fitting]);
        if (bytes + next > this.maxBytes) break;
        bytes += next;
        fitting++;
      }
      count = fitting;
      this.bytes -= bytes;
    } else {
      this.bytes = 0;
    }
    const batch = this.items;
    const companions = this.companions;
    this.items = batch.splice(count);
    this.companions = companions.splice(count);
    this.dropStamps(count);
    this.writes++;
    // The first attempt goes without the retry policy and without async frames: both cost more
    // than a write that succeeds.
    try {
      this.options
        .write(batch, companions)
        .then(this.writeEnded, (err: unknown) => this.retryWrite(err, batch, companions));
    } catch (err) {
      void this.retryWrite(err, batch, companions);
    }
  }

  /** Forgets the stamps of the `count` items taken; stamps the first one left, if it has none. */
  private dropStamps(count: number): void {
    this.taken += count;
    const { stampedItems, stampTimes } = this;
    let gone = 0;
    while (gone < stampedItems.length && stampedItems[gone] < this.taken) gone++;
    if (gone === stampedItems.length) {
      stampedItems.length = 0;
      stampTimes.length = 0;
    } else if (gone > 0) {
      this.stampedItems = stampedItems.slice(gone);
      this.stampTimes = stampTimes.slice(gone);
    }
    if (this.items.length > 0 && this.stampedItems[0] !== this.taken) {
      this.stampedItems.unshift(this.taken);
      this.stampTimes.unshift(Date.now());
    }
  }

  /** Retries a failed write (the failure counts as the policy's attempt 0) until it succeeds or close(). */
  private async retryWrite(failure: unknown, batch: T[], companions: C[]): Promise<void> {
    try {
      await retry((attempt) => (attempt === 0 ? Promise.reject(failure) : this.options.write(batch, companions)), {
        backoff: this.options.backoff ?? RETRY_DELAYS.reconnect,
        signal: this.closing.signal,
        onError: this.options.onWriteError,
      });
    } catch {
      // Closed while failing: the batch stays unwritten.
    } finally {
      this.writeEnded();
    }
  }

  private readonly writeEnded = (): void => {
    this.writes--;
    this.schedule();
    this.idle.wakeAll();
  };
}
