interface Entry {
  name: string;
  run: () => Promise<void>;
  running?: Promise<void>;
}

/**
 * The service settings the drill has changed and how to put each back. A scenario registers
 * the restore before it injects the fault and calls it in `finally`; the signal handler calls
 * {@link RestoreRegistry.restoreAll} for anything still outstanding. A restore that succeeded
 * is not run again; one that failed stays registered, so the next call tries again.
 */
export class RestoreRegistry {
  private readonly entries = new Set<Entry>();

  /** Registers a restore; returns the function that runs it (idempotent, safe to call twice). */
  add(name: string, run: () => Promise<void>): () => Promise<void> {
    const entry: Entry = { name, run };
    this.entries.add(entry);
    return () => this.runEntry(entry);
  }

  /** Names of the restores not yet done. */
  get outstanding(): string[] {
    return [...this.entries].map((entry) => entry.name);
  }

  /** Runs every outstanding restore, each attempted even if another fails; returns the failures. */
  async restoreAll(): Promise<{ name: string; err: Error }[]> {
    const failures: { name: string; err: Error }[] = [];
    for (const entry of [...this.entries]) {
      try {
        await this.runEntry(entry);
      } catch (err) {
        failures.push({ name: entry.name, err: err as Error });
      }
    }
    return failures;
  }

  private runEntry(entry: Entry): Promise<void> {
    if (!this.entries.has(entry)) return Promise.resolve();
    entry.running ??= entry.run().then(
      () => {
        this.entries.delete(entry);
      },
      (err: unknown) => {
        entry.running = undefined;
        throw err;
      },
    );
    return entry.running;
  }
}
