// `npm run bench`: the product against hand-written and tutorial references, end to end, on
// the same broker and database. See tools/bench/README.md.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brokerAt } from './bench-services';
import { blockedCheckUnavailable } from './check-blocked';
import { errorMessage } from './cleanup-stack';
import { describeCommand } from './performance-page';
import { ProcessTracker } from './process-tracker';
import { benchUsage, readBenchOptions, type BenchOptions } from './read-bench-options';
import { runBench } from './run-bench';

const root = resolve(__dirname, '../../..');

function readOptionsOrExit(): BenchOptions {
  try {
    const options = readBenchOptions(process.argv.slice(2));
    if (options.help) {
      console.log(benchUsage());
      process.exit(0);
    }
    // Refused before any run rather than after an hour of them.
    const unavailable = options.blocked ? blockedCheckUnavailable() : undefined;
    if (unavailable) throw new Error(unavailable);
    return options;
  } catch (err) {
    console.error(`${errorMessage(err)}\n\n${benchUsage()}`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const options = readOptionsOrExit();
  const runId = new Date().toISOString().replace(/[:.]/g, '-').replace('Z', '');
  const outDir = resolve(root, options.out, runId);
  mkdirSync(join(outDir, 'logs'), { recursive: true });
  const aborter = new AbortController();
  const processes = new ProcessTracker();
  const log = (line: string) => console.log(line);

  // First signal: stop waiting and clean up (every wait is abortable, every run cleans up after
  // itself). Second signal: exit at once; every process started is killed by its PID on the way.
  let signals = 0;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      signals++;
      if (signals > 1) process.exit(130);
      log(`\n${signal}: stopping and cleaning up (send it again to kill everything at once)`);
      aborter.abort(new Error(`interrupted by ${signal}`));
    });
  }

  try {
    const ok = await runBench(
      {
        root,
        outDir,
        // The benchmark's own copy of what it runs, so that a rebuild meanwhile changes nothing.
        buildDir: join(outDir, 'build'),
        amqpUrl: options.amqpUrl,
        broker: brokerAt(options.amqpUrl),
        adminUrl: options.databaseUrl,
        signal: aborter.signal,
        log,
        processes,
        leftovers: [],
      },
      options,
      describeCommand('npm run bench', process.argv.slice(2), process.env),
    );
    process.exitCode = ok ? 0 : 1;
  } catch (err) {
    console.error(`\nbenchmark failed: ${errorMessage(err)}`);
    process.exitCode = aborter.signal.aborted ? 130 : 1;
  } finally {
    // Each run already cleaned up after itself; this catches anything a failure left running.
    await processes.stopAll();
  }
}

void main();
