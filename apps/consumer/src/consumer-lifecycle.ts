import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Registry } from 'prom-client';
import type { BrokerConnection } from '@sensors/messaging';
import { createDataSource, databaseRefusal } from '@sensors/persistence';
import {
  createShutdown,
  redactUrl,
  retry,
  startOpsServer,
  StartupError,
  usesDefaultPassword,
  type OpsServer,
  type ShutdownStep,
} from '@sensors/runtime';
import type { ConsumerConfig, DatabaseConfig } from './config';
import type { ConsumerGauges } from './consumer-metrics';
import type { DatabaseHealth } from './database-health';
import { migrateDatabase } from './migrate-database';
import type { ReadingConsumer } from './reading-consumer';

/** What /readyz and the metrics read, filled in as start-up reaches it. */
export interface StartedParts {
  database?: DatabaseHealth;
  broker?: BrokerConnection;
  consumer?: ReadingConsumer;
}

/**
 * The gauges of the consumer's metrics, read from whatever start-up has reached: 0 (not
 * connected, nothing held) while it still waits for the database or the broker, so that
 * every series exists from the first scrape and an alert on `sensors_broker_connected == 0`
 * fires for an app that never connected.
 */
export function startedGauges(started: StartedParts): ConsumerGauges {
  return {
    unacked: () => started.consumer?.unacked ?? 0,
    bufferedReadings: () => started.consumer?.bufferedReadings ?? 0,
    queueDepth: async () => started.consumer?.queueDepth(),
    brokerConnected: () => started.broker?.connected ?? false,
    databaseHealthy: () => started.database?.healthy() ?? false,
    reconnects: () => ({ broker: started.broker?.reconnects ?? 0, database: started.database?.recoveries() ?? 0 }),
  };
}

/**
 * Serves metrics and health before anything else, so that /readyz says what start-up is
 * waiting for, and warns of default passwords.
 */
export async function startOps(
  config: Pick<ConsumerConfig, 'ops' | 'database' | 'amqp'>,
  registry: Registry,
  started: StartedParts,
  log: Logger,
): Promise<OpsServer> {
  const ops = await startOpsServer({
    port: config.ops.metricsPort,
    host: config.ops.metricsHost,
    registry,
    readiness: () => {
      const reasons = [
        started.database ? started.database.reason() : 'database not connected yet',
        started.broker?.connected ? undefined : 'broker not connected',
      ].filter((reason): reason is string => reason !== undefined);
      return { ready: reasons.length === 0, reasons };
    },
  });
  log.info({ metricsPort: ops.port, metricsHost: config.ops.metricsHost }, 'serving metrics and health');
  for (const [setting, value] of Object.entries({
    SENSORS_DATABASE_URL: config.database.url,
    SENSORS_DATABASE_MIGRATION_URL: config.database.migrationUrl,
    SENSORS_AMQP_URL: config.amqp.urls.join(','),
  })) {
    if (value.split(',').some(usesDefaultPassword)) {
      log.warn({ setting }, 'DEFAULT PASSWORD IN USE: fine on a laptop, never in production');
    }
  }
  return ops;
}

/**
 * Connects to Postgres, retrying until it answers or `signal` aborts, and migrates when `migrate`
 * says so. What retrying cannot fix (a missing database, a refused password, a missing
 * privilege) rejects at once with a {@link StartupError} that names the setting to correct.
 */
export async function connectDatabase(
  config: DatabaseConfig,
  migrate: boolean,
  log: Logger,
  signal: AbortSignal,
): Promise<DataSource> {
  const dataSource = await retry(
    () => createDataSource({ url: config.url, applicationName: 'sensors-consumer' }).initialize(),
    {
      signal,
      retryIf: (err) => databaseRefusal(err) === undefined,
      onError: (err, attempt, retryInMs) =>
        log.warn({ err, attempt, retryInMs, url: config.url }, 'database unreachable, retrying'),
    },
  ).catch((err: unknown) => {
    throw explainRefusal(err, '--database-url', config.url);
  });
  log.info({ url: config.url }, 'database connected');
  if (migrate) {
    const applied = await migrateDatabase(config, dataSource).catch(async (err: unknown) => {
      await dataSource.destroy();
      throw explainRefusal(err, '--migration-database-url', config.migrationUrl);
    });
    log.info({ applied }, 'database migrated');
  }
  return dataSource;
}

function explainRefusal(err: unknown, setting: string, url: string): unknown {
  const refusal = databaseRefusal(err);
  if (refusal === undefined) return err;
  return new StartupError(refusal.reason, {
    fix: refusal.fix.replaceAll('the URL', setting),
    details: { setting, url: redactUrl(url), sqlstate: refusal.code, detail: (err as Error).message },
    cause: err,
  });
}

/**
 * Runs the shutdown steps in order, each attempted whatever the others did, all within
 * `--shutdown-timeout-ms`; a step still running then is told through its signal. Resolves
 * whether every step finished cleanly.
 */
export function shutDown(
  timeoutMs: number,
  log: Logger,
  steps: readonly { name: string; run: (signal: AbortSignal) => Promise<unknown> | unknown }[],
): Promise<boolean> {
  log.info({}, 'shutting down');
  const overrun = new AbortController();
  const timer = setTimeout(() => overrun.abort(), timeoutMs);
  return createShutdown({
    timeoutMs,
    onStepError: (step, err) => log.error({ step, err }, 'shutdown step failed'),
    steps: steps.map(
      (step): ShutdownStep => ({
        name: step.name,
        run: async () => {
          await step.run(overrun.signal);
        },
      }),
    ),
  })().finally(() => clearTimeout(timer));
}
