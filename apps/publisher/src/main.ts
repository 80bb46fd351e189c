import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { loggerOptions, startupFailureFields } from '@sensors/runtime';
import { checkPublisherConfig } from './check-publisher-config';
import { loadPublisherConfig } from './config';
import { startPublisher } from './publisher-lifecycle';
import { summarizeRun } from './summarize-run';
import { VERSION } from './version';

/** The app's logger; until the configuration is read, one without pretty printing. */
let log: Logger = pino(loggerOptions('publisher', VERSION));

async function main(): Promise<void> {
  const config = loadPublisherConfig(process.argv.slice(2));
  if (config.command === 'check-config') {
    const output = { out: (t: string) => process.stdout.write(t), err: (t: string) => process.stderr.write(t) };
    process.exitCode = await checkPublisherConfig(config, output);
    return;
  }
  log = pino(loggerOptions('publisher', VERSION, config.logging), config.logging.pretty ? pretty() : undefined);
  for (const renamed of config.renamedVariables) {
    log.warn(renamed, 'deprecated environment variable: read for this release only, rename it');
  }
  for (const renamed of config.renamedOptions) {
    log.warn(renamed, 'deprecated option: read for this release only, rename it');
  }
  const stopping = new AbortController();
  process.once('SIGINT', () => stopping.abort()).once('SIGTERM', () => stopping.abort());

  // The source ends by itself (count reached, input read) or on the first signal.
  const publisher = await startPublisher(config, { log, stopping, stdin: () => process.stdin });
  const { end, failure } = await publisher.ended;
  await publisher.close();
  if (failure) throw failure;
  const summary = summarizeRun(publisher.stats, end);
  log[summary.level](summary.fields, summary.message);
  process.exitCode = summary.exitCode;
}

main().catch((err: unknown) => {
  log.fatal(startupFailureFields(err), 'publisher failed');
  // pino-pretty writes through a stream: let it flush before exiting.
  log.flush(() => process.exit(1));
});
