export interface PrefetchTunerOptions {
  /** Items (e.g. readings) the unacked messages should hold, about. */
  items: number;
  /** Most messages held, whatever they carry. */
  maxMessages: number;
  /** Items per message assumed until messages say otherwise. */
  initialItemsPerMessage: number;
  /** Applies a new prefetch (the first one is {@link PrefetchTuner.prefetch}). */
  apply: (prefetch: number) => void;
}

/** Weight of each message in the running average of items per message. */
const SMOOTHING = 0.05;

/**
 * Sizes the broker's prefetch in readings rather than messages: single readings want thousands
 * of messages in flight to keep the batches full, while as many envelopes of a hundred readings
 * would hold far more readings in memory than a batch needs. It keeps a running average of
 * readings per message and asks for a new prefetch whenever that would be at least twice or at
 * most half the current one (or reach `maxMessages`), so a steady stream settles at once and a
 * mixed one does not resubscribe for every message.
 */
export class PrefetchTuner {
  private average: number;
  private current: number;

  constructor(private readonly options: PrefetchTunerOptions) {
    this.average = options.initialItemsPerMessage;
    this.current = this.target();
  }

  /** The prefetch asked for last. */
  get prefetch(): number {
    return this.current;
  }

  /** Tells how many items a message held. */
  observe(items: number): void {
    this.average += (items - this.average) * SMOOTHING;
    const target = this.target();
    const reachesCap = target === this.options.maxMessages && this.current !== target;
    if (reachesCap || target >= this.current * 2 || target * 2 <= this.current) {
      this.current = target;
      this.options.apply(target);
    }
  }

  private target(): number {
    return Math.max(1, Math.min(this.options.maxMessages, Math.round(this.options.items / this.average)));
  }
}
