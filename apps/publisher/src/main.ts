import type { Logger } from 'pino';
import { loggerOptions, startupFailureFields, type LoggerSettings } from '@sensors/runtime';
import { checkPublisherConfig } from './check-publisher-config';
import { loadPublisherConfig } from './config';
import { summarizeRun } from './summarize-run';
import { VERSION } from './version';

// What a run needs is loaded once the settings are read: `--help`, a bad flag and
// `check-config` end before, and the tests start the app often.

/** The logger a failure of `main` is logged with: the app's own once the configuration is read. */
let failureLog: Logger | undefined;

/** A logger of the settings; without them, one without pretty printing. */
async function createLogger(logging?: LoggerSettings): Promise<Logger> {
  const { pino } = await import('pino');
  const pretty = logging?.pretty ? (await import('pino-pretty')).default() : undefined;
  return pino(loggerOptions('publisher', VERSION, logging), pretty);
}

async function main(): Promise<void> {
  const config = loadPublisherConfig(process.argv.slice(2));
  if (config.command === 'check-config') {
    const output = { out: (t: string) => process.stdout.write(t), err: (t: string) => process.stderr.write(t) };
    process.exitCode = await checkPublisherConfig(config, output);
    return;
  }
  const log = await createLogger(config.logging);
  failureLog = log;
  for (const renamed of config.renamedVariables) {
    log.warn(renamed, 'deprecated environment variable: read for this release only, rename it');
  }
  for (const renamed of config.renamedOptions) {
    log.warn(renamed, 'deprecated option: read for this release only, rename it');
  }
  const stopping = new AbortController();
  process.once('SIGINT', () => stopping.abort()).once('SIGTERM', () => stopping.abort());

  // The source ends by itself (count reached, input read) or on the first signal.
  const { startPublisher } = await import('./publisher-lifecycle');
  const publisher = await startPublisher(config, { log, stopping, stdin: () => process.stdin });
  const { end, failure } = await publisher.ended;
  await publisher.close();
  if (failure) throw failure;
  const summary = summarizeRun(publisher.stats, end);
  log[summary.level](summary.fields, summary.message);
  process.exitCode = summary.exitCode;
}

main().catch(async (err: unknown) => {
  const log = failureLog ?? (await createLogger());
  log.fatal(startupFailureFields(err), 'publisher failed');
  // pino-pretty writes through a stream: let it flush before exiting.
  log.flush(() => process.exit(1));
});
