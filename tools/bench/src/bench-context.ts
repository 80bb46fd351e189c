import type { Broker } from '@sensors/testing';
import type { CleanupStep } from './cleanup-stack';
import type { BuildLayout } from './define-pipelines';
import type { ProcessTracker } from './process-tracker';

/** What every run of a benchmark shares: where things are, the servers, and how to stop. */
export interface BenchContext extends BuildLayout {
  /** This benchmark's folder of results and logs. */
  outDir: string;
  amqpUrl: string;
  /** The broker at `amqpUrl`, for admin work (queue state, clean-up). */
  broker: Broker;
  /** Postgres, as a role that may create databases. */
  adminUrl: string;
  /** Aborts every wait (Ctrl-C). */
  signal: AbortSignal;
  log: (line: string) => void;
  processes: ProcessTracker;
  /** Clean-up steps that failed (e.g. the broker was down), tried again at the end. */
  leftovers: CleanupStep[];
}
