// The benchmark's own view of Postgres and RabbitMQ: the rows a run stored, queue state, and
// the CPU both servers burn. Databases, channels and clean-up come from the harness.
import { adminQuery, machineBroker, withChannel, type Broker } from '@sensors/testing';
import { Client } from 'pg';
import { cpuSpentBetween, readServerTreeCpu, type CpuByPid } from './proc-stats';

const QUERY_TIMEOUT_MS = 60_000;
const CONNECT_TIMEOUT_MS = 10_000;

/** The broker at `url`; `rabbitmqctl` there is the machine's (or RABBITMQCTL). */
export function brokerAt(url: string): Broker {
  return { urls: [url], ctl: machineBroker.ctl };
}

/** A Postgres client that cannot hang: connecting and every query are bounded. */
export async function connectDatabase(url: string, applicationName = 'sensors-bench'): Promise<Client> {
  const client = new Client({
    connectionString: url,
    application_name: applicationName,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
  });
  client.on('error', () => undefined); // a dropped connection fails the next query, which is enough
  await client.connect();
  return client;
}

/** Rows stored so far, or 0 while the table does not exist yet. */
export async function countRows(client: Client): Promise<number> {
  try {
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM sensor_readings');
    return rows[0].n;
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return 0; // undefined_table: the consumer has not migrated yet
    throw err;
  }
}

/** What the stored rows of a run say; see {@link summarizeRows}. */
export interface RowSummary {
  rows: number;
  spanS: number;
  latencyP50Ms: number | undefined;
  latencyP99Ms: number | undefined;
  latencyMaxMs: number;
}

/**
 * What the stored rows say about a run: how many, the time from the first reading generated to
 * the last one stored, and the end-to-end latency of each (`ingested_at` is the database's
 * `now()` at insert, `measured_at` the publisher's clock at generation; same machine, same clock).
 */
export async function summarizeRows(client: Client): Promise<RowSummary> {
  const { rows } = await client.query<{
    rows: number;
    span_s: number;
    latency_s: [number, number] | null;
    max_latency_s: number;
  }>(`
    SELECT count(*)::int AS rows,
           extract(epoch FROM max(ingested_at) - min(measured_at))::float8 AS span_s,
           percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM ingested_at - measured_at)) AS latency_s,
           extract(epoch FROM max(ingested_at - measured_at))::float8 AS max_latency_s
      FROM sensor_readings`);
  const [row] = rows;
  return {
    rows: row.rows,
    spanS: row.span_s,
    latencyP50Ms: row.latency_s ? row.latency_s[0] * 1000 : undefined,
    latencyP99Ms: row.latency_s ? row.latency_s[1] * 1000 : undefined,
    latencyMaxMs: row.max_latency_s * 1000,
  };
}

/** Latencies of the `n` readings generated last, in ms, oldest first. */
export async function latestReadingLatenciesMs(client: Client, n: number): Promise<number[]> {
  const { rows } = await client.query<{ ms: number }>(
    `SELECT extract(epoch FROM ingested_at - measured_at)::float8 * 1000 AS ms
       FROM sensor_readings ORDER BY measured_at DESC LIMIT $1`,
    [n],
  );
  return rows.map((row) => row.ms).reverse();
}

export async function databaseVersion(adminUrl: string): Promise<string> {
  const [row] = await adminQuery<{ server_version: string }>('SHOW server_version', [], { url: adminUrl });
  return row.server_version;
}

/** `{ messages, consumers }` of a queue, or undefined if it does not exist (yet). */
export async function inspectQueue(
  broker: Broker,
  queue: string,
): Promise<{ messages: number; consumers: number } | undefined> {
  try {
    return await withChannel(
      async (channel) => {
        const { messageCount, consumerCount } = await channel.checkQueue(queue);
        return { messages: messageCount, consumers: consumerCount };
      },
      { broker },
    );
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

/** The broker's version, or 'unknown' where `rabbitmqctl` does not reach it. */
export async function rabbitmqVersion(broker: Broker): Promise<string> {
  try {
    return (await broker.ctl(['eval', 'rabbit_misc:version().'])).trim().replace(/"/g, '');
  } catch {
    return 'unknown';
  }
}

/** CPU seconds by PID of RabbitMQ and of Postgres: see {@link readServerCpu}. */
export interface ServerCpu {
  rabbitmq: CpuByPid;
  postgres: CpuByPid;
}

const portOf = (url: string, fallback: number) => Number(new URL(url).port || fallback);

/**
 * CPU seconds burnt so far, by PID, by the RabbitMQ and the Postgres the benchmark uses (the
 * servers listening on the URLs' ports, with their child processes); `serverCpuBetween` takes
 * the difference. Other brokers on the machine (say another session's test cluster) and the
 * short-lived Erlang VMs of `rabbitmqctl` are left out.
 */
export function readServerCpu(amqpUrl: string, databaseUrl: string): ServerCpu {
  return {
    rabbitmq: readServerTreeCpu(portOf(amqpUrl, 5672)),
    postgres: readServerTreeCpu(portOf(databaseUrl, 5432)),
  };
}

/** CPU seconds RabbitMQ and Postgres spent between two `readServerCpu` snapshots. */
export function serverCpuBetween(before: ServerCpu, after: ServerCpu): { rabbitmq: number; postgres: number } {
  return {
    rabbitmq: cpuSpentBetween(before.rabbitmq, after.rabbitmq),
    postgres: cpuSpentBetween(before.postgres, after.postgres),
  };
}
