// The benchmark's own view of Postgres and RabbitMQ: throwaway databases, queue state, the
// broker's memory watermark, and the CPU both servers burn.
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import pg from 'pg';
import { cpuSpentBetween, readServerTreeCpu, runSync, runToEnd } from './processes.mjs';

const QUERY_TIMEOUT_MS = 60_000;
const CONNECT_TIMEOUT_MS = 10_000;

/** A name no other run uses: lowercase letters, digits and `_`, valid for a database and a queue. */
export function uniqueName(prefix) {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** A Postgres client that cannot hang: connecting and every query are bounded. */
export async function connectDatabase(url, applicationName = 'sensors-bench') {
  const client = new pg.Client({
    connectionString: url,
    application_name: applicationName,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
  });
  client.on('error', () => undefined); // a dropped connection fails the next query, which is enough
  await client.connect();
  return client;
}

async function withDatabase(url, work) {
  const client = await connectDatabase(url);
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates an empty database and returns its URL; `dropDatabase` removes it. */
export async function createDatabase(adminUrl, name) {
  await withDatabase(adminUrl, (client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(adminUrl, name) {
  await withDatabase(adminUrl, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`),
  );
}

/** Rows stored so far, or 0 while the table does not exist yet. */
export async function countRows(client) {
  try {
    const { rows } = await client.query('SELECT count(*)::int AS n FROM sensor_readings');
    return rows[0].n;
  } catch (err) {
    if (err.code === '42P01') return 0; // undefined_table: the consumer has not migrated yet
    throw err;
  }
}

/**
 * What the stored rows say about a run: how many, the time from the first reading generated to
 * the last one stored, and the end-to-end latency of each (`ingested_at` is the database's
 * `now()` at insert, `measured_at` the publisher's clock at generation; same machine, same clock).
 */
export async function summarizeRows(client) {
  const { rows } = await client.query(`
    SELECT count(*)::int AS rows,
           extract(epoch FROM max(ingested_at) - min(measured_at))::float8 AS span_s,
           percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM ingested_at - measured_at)) AS latency_s,
           extract(epoch FROM max(ingested_at - measured_at))::float8 AS max_latency_s
      FROM sensor_readings`);
  const [row] = rows;
  return {
    rows: row.rows,
    spanS: row.span_s,
    latencyP50Ms: row.latency_s?.[0] * 1000,
    latencyP99Ms: row.latency_s?.[1] * 1000,
    latencyMaxMs: row.max_latency_s * 1000,
  };
}

/** Latencies of the `n` readings generated last, in ms, oldest first. */
export async function latestReadingLatenciesMs(client, n) {
  const { rows } = await client.query(
    `SELECT extract(epoch FROM ingested_at - measured_at)::float8 * 1000 AS ms
       FROM sensor_readings ORDER BY measured_at DESC LIMIT $1`,
    [n],
  );
  return rows.map((row) => row.ms).reverse();
}

export async function databaseVersion(adminUrl) {
  return withDatabase(adminUrl, async (client) => (await client.query('SHOW server_version')).rows[0].server_version);
}

async function withChannel(amqpUrl, work) {
  const connection = await amqp.connect(amqpUrl, { timeout: CONNECT_TIMEOUT_MS });
  connection.on('error', () => undefined);
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    return await work(channel);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** `{ messages, consumers }` of a queue, or undefined if it does not exist (yet). */
export async function inspectQueue(amqpUrl, queue) {
  try {
    return await withChannel(amqpUrl, async (channel) => {
      const { messageCount, consumerCount } = await channel.checkQueue(queue);
      return { messages: messageCount, consumers: consumerCount };
    });
  } catch (err) {
    if (err.code === 404) return undefined;
    throw err;
  }
}

/** Deletes queues and exchanges, those that exist; one failure does not stop the others. */
export async function deleteBrokerObjects(amqpUrl, { queues = [], exchanges = [] }) {
  const failures = [];
  for (const [kind, names] of [
    ['queue', queues],
    ['exchange', exchanges],
  ]) {
    for (const name of names) {
      // A channel per object: deleting what is not there closes the channel on some versions.
      await withChannel(amqpUrl, (channel) =>
        kind === 'queue' ? channel.deleteQueue(name) : channel.deleteExchange(name),
      ).catch((err) => err.code !== 404 && failures.push(`${kind} ${name}: ${err.message}`));
    }
  }
  if (failures.length > 0) throw new Error(`could not delete ${failures.join('; ')}`);
}

const portOf = (url, fallback) => Number(new URL(url).port || fallback);

/**
 * CPU seconds burnt so far, by PID, by the RabbitMQ and the Postgres the benchmark uses (the
 * servers listening on the URLs' ports, with their child processes); `serverCpuBetween` takes
 * the difference. Other brokers on the machine (say another session's test cluster) and the
 * short-lived Erlang VMs of `rabbitmqctl` are left out.
 */
export function readServerCpu(amqpUrl, databaseUrl) {
  return {
    rabbitmq: readServerTreeCpu(portOf(amqpUrl, 5672)),
    postgres: readServerTreeCpu(portOf(databaseUrl, 5432)),
  };
}

/** CPU seconds RabbitMQ and Postgres spent between two `readServerCpu` snapshots. */
export function serverCpuBetween(before, after) {
  return {
    rabbitmq: cpuSpentBetween(before.rabbitmq, after.rabbitmq),
    postgres: cpuSpentBetween(before.postgres, after.postgres),
  };
}

/** `rabbitmqctl` (or what RABBITMQCTL says, e.g. `docker compose exec -T rabbitmq rabbitmqctl`). */
function rabbitmqctlCommand() {
  const [command, ...prefix] = (process.env.RABBITMQCTL ?? 'rabbitmqctl').split(' ');
  return { command, prefix };
}

export async function rabbitmqctl(args, { logFile, cwd, timeoutMs = 60_000 }) {
  const { command, prefix } = rabbitmqctlCommand();
  await runToEnd('rabbitmqctl', command, [...prefix, ...args], { cwd, env: process.env, logFile }, timeoutMs);
}

/** The broker's memory high watermark as a fraction of RAM, or undefined if it is set otherwise. */
export function readMemoryWatermark() {
  const { command, prefix } = rabbitmqctlCommand();
  const value = Number(runSync(command, [...prefix, 'eval', 'vm_memory_monitor:get_vm_memory_high_watermark().']));
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** Synchronous, for the process's 'exit' handler, where nothing asynchronous runs any more. */
export function setMemoryWatermarkSync(fraction) {
  const { command, prefix } = rabbitmqctlCommand();
  runSync(command, [...prefix, 'set_vm_memory_high_watermark', String(fraction)]);
}

export function rabbitmqVersion() {
  try {
    const { command, prefix } = rabbitmqctlCommand();
    return runSync(command, [...prefix, 'eval', 'rabbit_misc:version().'])
      .trim()
      .replace(/"/g, '');
  } catch {
    return 'unknown';
  }
}
