/**
 * Callers waiting for a condition that only the owner of some state can tell has changed (a
 * window with room again, every write settled): they wait with {@link WaitList.until}, the
 * owner calls {@link WaitList.wakeAll} after each change, and each woken caller checks its
 * condition again. A condition variable without the lock, which one event loop does not need.
 *
 * @example
 * const room = new WaitList();
 * async function whenWritable() {
 *   await room.until(() => unconfirmed < maxUnconfirmed);
 * }
 * function confirmed() {
 *   unconfirmed--;
 *   room.wakeAll();
 * }
 */
export class WaitList {
  private waiters: (() => void)[] = [];

  /** Resolves at the next {@link WaitList.wakeAll}, whatever has changed by then. */
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Resolves once `done()` is true, checking it now and after each {@link WaitList.wakeAll};
   * when it is true at once, the promise is already resolved (no async frame, no waiter).
   */
  until(done: () => boolean): Promise<void> {
    return done() ? Promise.resolve() : this.waitUntil(done);
  }

  /** Resolves every caller waiting now; those that wait from here on wait for the next call. */
  wakeAll(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private async waitUntil(done: () => boolean): Promise<void> {
    do await this.wait();
    while (!done());
  }
}
