import { withTimeout } from '@sensors/testing';

/** One way of undoing what a run created. */
export interface CleanupStep {
  description: string;
  run: () => unknown;
}

const STEP_TIMEOUT_MS = 60_000;

/**
 * Steps to undo what a run created, run last-in first-out; each one is attempted (bounded by a
 * timeout) even when an earlier one fails, and failures are reported, not thrown.
 */
export class CleanupStack {
  private readonly steps: CleanupStep[] = [];

  add(description: string, run: () => unknown): void {
    this.steps.push({ description, run });
  }

  /** Runs every step; returns those that failed, to be tried again later. */
  async run(report: (line: string) => void): Promise<CleanupStep[]> {
    const failed: CleanupStep[] = [];
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await withTimeout(step.description, Promise.resolve().then(step.run), STEP_TIMEOUT_MS);
      } catch (err) {
        report(`  cleanup: could not ${step.description}: ${errorMessage(err)}`);
        failed.push(step);
      }
    }
    return failed;
  }
}

/** The message of anything thrown. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
