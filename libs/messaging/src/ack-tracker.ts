/**
 * Turns acks that arrive in any order into as few `ack(multiple)` frames as possible: a
 * delivery tag is acknowledged only once every earlier tag on the channel is settled, because
 * `multiple` covers all of them.
 *
 * Delivery tags on a channel start at 1 and grow by one per delivery.
 */
export class AckTracker {
  /** settled[i] tells whether tag `base + i` is done. */
  private settledFlags: boolean[] = [];
  private base = 1;
  private scheduled = false;

  /**
   * @param sendAck called with the highest tag of a settled run, to be acked with `multiple`.
   */
  constructor(private readonly sendAck: (upToTag: number) => void) {}

  /** Records a delivery as unacked. */
  delivered(tag: number): void {
    this.settledFlags[tag - this.base] = false;
  }

  /** Marks a delivery done; acks are sent together at the end of the current tick. */
  settle(tag: number): void {
    const index = tag - this.base;
    if (index < 0 || index >= this.settledFlags.length) return;
    this.settledFlags[index] = true;
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Deliveries not yet acked. */
  get unacked(): number {
    return this.settledFlags.length;
  }

  private flush(): void {
    this.scheduled = false;
    let run = 0;
    while (run < this.settledFlags.length && this.settledFlags[run]) run++;
    if (run === 0) return;
    this.settledFlags = this.settledFlags.slice(run);
    this.base += run;
    this.sendAck(this.base - 1);
  }
}
