import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Registry } from 'prom-client';
import type { BrokerConnection } from '@sensors/messaging';
import { createDataSource } from '@sensors/persistence';
import {
  createShutdown,
  retry,
  startOpsServer,
  usesDefaultPassword,
  type OpsServer,
  type ShutdownStep,
} from '@sensors/runtime';
import type { ConsumerConfig, DatabaseConfig } from './config';
import type { DatabaseHealth } from './database-health';
import { migrateDatabase } from './migrate-database';

/** What /readyz waits for, filled in as start-up reaches it. */
export interface StartedParts {
  database?: DatabaseHealth;
  broker?: BrokerConnection;
}

/**
 * Serves metrics and health before anything else, so that /readyz says what start-up is
 * waiting for, and warns of default passwords.
 */
export async function startOps(
  config: Pick<ConsumerConfig, 'ops' | 'database' | 'amqp'>,
  registry: Registry,
  log: Logger,
): Promise<{ ops: OpsServer; started: StartedParts }> {
  const started: StartedParts = {};
  const ops = await startOpsServer({
    port: config.ops.metricsPort,
    registry,
    readiness: () => {
      const reasons = [
        started.database ? started.database.reason() : 'database not connected yet',
        started.broker?.connected ? undefined : 'broker not connected',
      ].filter((reason): reason is string => reason !== undefined);
      return { ready: reasons.length === 0, reasons };
    },
  });
  log.info({ metricsPort: ops.port }, 'serving metrics and health');
  for (const [setting, value] of Object.entries({
    SENSORS_DATABASE_URL: config.database.url,
    SENSORS_DATABASE_MIGRATION_URL: config.database.migrationUrl,
    SENSORS_AMQP_URL: config.amqp.urls.join(','),
  })) {
    if (value.split(',').some(usesDefaultPassword)) {
      log.warn({ setting }, 'DEFAULT PASSWORD IN USE: fine on a laptop, never in production');
    }
  }
  return { ops, started };
}

/** Connects to Postgres, retrying until it answers or `signal` aborts, and migrates when `migrate` says so. */
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
      onError: (err, attempt, retryInMs) =>
        log.warn({ err, attempt, retryInMs, url: config.url }, 'database unreachable, retrying'),
    },
  );
  log.info({ url: config.url }, 'database connected');
  if (migrate) {
    log.info({ applied: await migrateDatabase(config, dataSource) }, 'database migrated');
  }
  return dataSource;
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
