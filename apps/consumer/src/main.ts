import 'reflect-metadata';
import { once } from 'node:events';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { limitHeapGrowth, loggerOptions, startupFailureFields } from '@sensors/runtime';
import { checkConsumerConfig } from './check-consumer-config';
import { loadConsumerConfig } from './config';
import { migrateConsumerDatabase, startConsumer } from './consumer-lifecycle';
import { runDeadLettersCommand } from './dead-letters/dead-letters-command';
import { VERSION } from './version';

/** The app's logger; until the configuration is read, one without pretty printing. */
let log: Logger = pino(loggerOptions('consumer', VERSION));

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
    process.exitCode = await runDeadLettersCommand(config, config.deadLetters, output);
    return;
  }
  log = pino(loggerOptions('consumer', VERSION, config.logging), config.logging.pretty ? pretty() : undefined);
  for (const renamed of config.renamedVariables) {
    log.warn(renamed, 'deprecated environment variable: read for this release only, rename it');
  }
  for (const renamed of config.renamedOptions) {
    log.warn(renamed, 'deprecated option: read for this release only, rename it');
  }
  const stopping = new AbortController();
  process.once('SIGINT', () => stopping.abort()).once('SIGTERM', () => stopping.abort());
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

main().catch((err: unknown) => {
  log.fatal(startupFailureFields(err), 'consumer failed to start');
  // pino-pretty writes through a stream: let it flush before exiting.
  log.flush(() => process.exit(1));
});
