import { setFlagsFromString } from 'node:v8';

const FLAG = 'heap-growing-percent';

/**
 * Bounds how far V8 lets the old generation grow past what survived its last full collection,
 * to `1 + percent / 100` times that. Left alone, V8 picks up to 4× under a high allocation rate,
 * and a process that moves tens of thousands of readings a second then holds mostly garbage
 * (the consumer's peak with 100 is in docs/performance.md). Unlike a heap cap it can never run a
 * process out of memory.
 *
 * A flag V8 reads at every collection, so it works when set at run time; one given on the
 * command line (`node --heap-growing-percent=…`) is left as it is. Returns whether it was set.
 */
export function limitHeapGrowth(percent: number, execArgv: readonly string[] = process.execArgv): boolean {
  if (!Number.isInteger(percent) || percent < 1) {
    throw new RangeError(`percent must be an integer of at least 1 (got ${percent})`);
  }
  if (execArgv.some((arg) => arg.replaceAll('_', '-').startsWith(`--${FLAG}`))) return false;
  setFlagsFromString(`--${FLAG}=${percent}`);
  return true;
}
