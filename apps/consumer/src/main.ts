import 'reflect-metadata';
import { once } from 'node:events';
import type { Logger } from 'pino';
import { limitHeapGrowth, loggerOptions, startupFailureFields, type LoggerSettings } from '@sensors/runtime';
import { checkConsumerConfig } from './check-consumer-config';
import { loadConsumerConfig } from './config';
import { VERSION } from './version';

// What a command needs is loaded once the settings are read: `--help`, a bad flag and
// `check-config` end before, `dead-letters` needs no database, and the tests start the app often.

/** The logger a failure of `main` is logged with: the app's own once the configuration is read. */
let failureLog: Logger | undefined;

/** A logger of the settings; without them, one without pretty printing. */
async function createLogger(logging?: LoggerSettings): Promise<Logger> {
  const { pino } = await import('pino');
  const pretty = logging?.pretty ? (await import('pino-pretty')).default() : undefined;
  return pino(loggerOptions('consumer', VERSION, logging), pretty);
}

async function main(): Promise<void> {
  // V8 would let garbage grow the heap up to 4× past what is live at these allocation rates.
  limitHeapGrowth(100);
  const config = loadConsumerConfig(process.argv.slice(2));
  const output = { out: (t: string) => process.stdout.write(t), err: (t: string) => process.stderr.write(t) };
  if (config.command === 'check-config') {
    process.exitCode = checkConsumerConfig(config, output);
    return;
  }
  if (config.deadLetters) {
    const { runDeadLettersCommand } = await import('./dead-letters/dead-letters-command');
    process.exitCode = await runDeadLettersCommand(config, config.deadLetters, output);
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
  const { migrateConsumerDatabase, startConsumer } = await import('./consumer-lifecycle');
  if (config.command === 'migrate') return migrateConsumerDatabase(config, { log, stopping });

  const consumer = await startConsumer(config, { log, stopping });
  if (!stopping.signal.aborted) await once(stopping.signal, 'abort');
  // Whatever is stuck (a write that never returns, a socket that never closes), the process ends.
  setTimeout(() => {
    log.error({ shutdownTimeoutMs: config.ops.shutdownTimeoutMs }, 'shutdown overran its timeout, exiting');
    process.exit(1);
  }, config.ops.shutdownTimeoutMs + 1000).unref();
  const clean = await consumer.close();
  if (consumer.failure) throw consumer.failure;
  log.info({ ...consumer.stats, clean }, 'consumer stopped');
  // Now: a handle left open by a step that timed out would otherwise keep the process alive.
  process.exit(clean ? 0 : 1);
}

main().catch(async (err: unknown) => {
  const log = failureLog ?? (await createLogger());
  log.fatal(startupFailureFields(err), 'consumer failed to start');
  // pino-pretty writes through a stream: let it flush before exiting.
  log.flush(() => process.exit(1));
});
