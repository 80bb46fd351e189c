import { setTimeout as delay } from 'node:timers/promises';
import {
  adminQuery,
  quoteIdentifier,
  scrapeMetrics,
  sumSamples,
  waitFor,
  type SmallTablespace,
} from '@sensors/testing';
import type { Scenario, ScenarioContext } from './run-scenario';

/** The tablespace's filesystem before and after the fault: far more than a drill's stream needs. */
const ROOMY_BYTES = 256 * 1024 * 1024;
/** Room left when the filesystem is shrunk mid-stream: a few hundred rows, so the stream itself fills it. */
const MARGIN_BYTES = 256 * 1024;
/**
 * Retries of one batch that show the consumer holding it on the full disk: its first write and
 * three retries failed (~0.7 s of backoff), whatever the other batches in flight did.
 */
const RETRIES = 3;
const DISK_FULL = '53100';
const BATCH_RETRY = 'batch write failed, holding the batch and retrying';

interface Readyz {
  status: number;
  reasons: string[];
}

async function readyz(port: number): Promise<Readyz | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) });
    const body = (await response.json()) as { reasons?: string[] };
    return { status: response.status, reasons: body.reasons ?? [] };
  } catch {
    return undefined;
  }
}

/** The most retries of one batch among these failed-write lines (`attempt` 0 is its first write). */
function mostRetries(lines: readonly Record<string, unknown>[]): number {
  return Math.max(0, ...lines.map((line) => Number(line['attempt']) || 0));
}

/**
 * Every relation of `sensor_readings` (the partitioned table, its partitions, the partitioned
 * indexes and theirs) with its tablespace (null: the database's default).
 */
async function tableRelations(
  ctx: ScenarioContext,
): Promise<{ name: string; kind: string; tablespace: string | null }[]> {
  return adminQuery(
    `WITH tables AS (SELECT relid FROM pg_partition_tree('sensor_readings')),
          relations AS (SELECT relid AS oid FROM tables UNION SELECT indexrelid FROM pg_index WHERE indrelid IN (SELECT relid FROM tables))
     SELECT c.oid::regclass::text AS name, c.relkind::text AS kind, t.spcname AS tablespace
       FROM relations r JOIN pg_class c ON c.oid = r.oid LEFT JOIN pg_tablespace t ON t.oid = c.reltablespace
      ORDER BY 1`,
    [],
    { url: ctx.adminUrl(ctx.database) },
  );
}

/**
 * Puts `sensor_readings` on the tablespace before any partition but DEFAULT exists: the table
 * and its indexes (the default for every partition and partition index created later), and
 * what is already there. The consumer then creates its partitions on it.
 */
async function moveTable(ctx: ScenarioContext, tablespace: string): Promise<void> {
  const to = quoteIdentifier(tablespace);
  const statements = (await tableRelations(ctx)).map(({ name, kind }) =>
    ['i', 'I'].includes(kind) ? `ALTER INDEX ${name} SET TABLESPACE ${to}` : `ALTER TABLE ${name} SET TABLESPACE ${to}`,
  );
  for (const statement of statements) await adminQuery(statement, [], { url: ctx.adminUrl(ctx.database) });
}

/** Shrinks the filesystem to what it holds plus `margin`; retried, as the stream may grow it past the size read. */
async function shrinkTo(tablespace: SmallTablespace, margin: number): Promise<number> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 50; attempt++) {
    const size = tablespace.usedBytes() + margin;
    try {
      await tablespace.resize(size);
      return size;
    } catch (err) {
      lastError = err;
      await delay(20);
    }
  }
  throw new Error(`could not shrink the tablespace's filesystem: ${(lastError as Error).message}`);
}

/**
 * The table's tablespace fills up mid-stream: `sensor_readings`, its partitions (those the
 * consumer creates included) and their indexes live on a tmpfs of their own; at 40 % the drill
 * shrinks it to what it holds plus 256 KiB, so the stream's next rows fill it and Postgres
 * refuses every write that needs a new page (SQLSTATE 53100). Held until the consumer has
 * retried one batch three times on it and /readyz has said why, then the filesystem grows back.
 */
export const fullDisk: Scenario = {
  id: 'd1',
  title: "sensor_readings' tablespace fills up (tmpfs shrunk to full, then grown)",
  scope: 'own',
  async run(ctx) {
    const { postgres } = ctx.settings.services;
    const name = `${ctx.database}_small`;
    const tablespace = await postgres.addSmallTablespace(name, ROOMY_BYTES / 1024 / 1024);
    if (!tablespace.limited) {
      await tablespace.remove();
      ctx.skip('needs root, to mount a tmpfs of its own for the tablespace');
    }
    let removed = false;
    if (ctx.settings.keep) ctx.notes.push(`--keep: tablespace ${name} stays mounted at ${tablespace.location}`);
    // After the scenario, whose database the harness drops first; on an interrupt, drop it here.
    else
      ctx.settings.restores.add(`drop tablespace ${name} and unmount ${tablespace.location}`, async () => {
        await adminQuery(`DROP DATABASE IF EXISTS ${quoteIdentifier(ctx.database)} WITH (FORCE)`, [], {
          url: ctx.adminUrl(),
        });
        await tablespace.remove();
        removed = true;
      });
    await adminQuery(
      `GRANT CREATE ON TABLESPACE ${quoteIdentifier(name)} TO ${quoteIdentifier(ctx.settings.role.name)}`,
      [],
      { url: ctx.adminUrl() },
    );
    await ctx.migrate();
    await moveTable(ctx, name);
    const consumer = await ctx.startConsumer();
    const metricsPort = Number(consumer.lines('consumer started')[0]?.['metricsPort']);

    const relations = await tableRelations(ctx);
    const elsewhere = relations.filter((relation) => relation.tablespace !== name);
    const partitions = relations.filter((relation) => relation.kind === 'r').length;
    ctx.check(
      'the table, its partitions and their indexes are on the small tablespace',
      elsewhere.length === 0 && partitions >= 2,
      `${relations.length - elsewhere.length} of ${relations.length} relations, ${partitions} partitions (DEFAULT and the consumer's)` +
        (elsewhere.length > 0 ? `; elsewhere: ${elsewhere.map((r) => r.name).join(', ')}` : ''),
    );

    ctx.startPublisher();
    await ctx.waitForStored(0.4);
    const restore = ctx.settings.restores.add(`grow tablespace ${name} back to ${ROOMY_BYTES} bytes`, async () => {
      // On an interrupt the restores run in the order registered: the tablespace may be gone.
      if (!removed) await tablespace.resize(ROOMY_BYTES);
    });
    const start = Date.now();
    let shrunkTo: number | undefined;
    let storedAtShrink: number | undefined;
    const notReady: Readyz[] = [];
    let polls = 0;
    const diskFull = () =>
      ctx.consumerApps
        .flatMap((app) => app.lines(BATCH_RETRY))
        .filter((line) => (line.time ?? 0) >= start && line['cause'] === DISK_FULL);
    try {
      shrunkTo = await shrinkTo(tablespace, MARGIN_BYTES);
      storedAtShrink = ctx.sampler.latest;
      // Held on conditions, not a clock: the consumer has retried a batch on the full disk and
      // /readyz has told why, however slowly the stream fills the last 256 KiB.
      await waitFor(
        'the consumer to retry on the full disk and /readyz to say why',
        async () => {
          const ready = await readyz(metricsPort);
          polls++;
          if (ready && ready.status !== 200) notReady.push(ready);
          return mostRetries(diskFull()) >= RETRIES && notReady.some((r) => r.reasons.some((x) => /disk full/.test(x)));
        },
        { timeoutMs: 60_000 + ctx.streamMs * 2, intervalMs: 200, signal: ctx.signal },
      ).catch(() => ctx.notes.push('the full disk did not show within the deadline'));
    } finally {
      await restore();
    }
    const end = Date.now();
    const failures = diskFull();
    const firstFailure = failures[0]?.time;
    if (firstFailure !== undefined) {
      const rowsAt = (time: number) => ctx.sampler.samples.filter((s) => s.at <= time).at(-1)?.count ?? 0;
      ctx.notes.push(
        `rows stored from the first disk-full failure to the filesystem's growth (${end - firstFailure} ms): ${rowsAt(end) - rowsAt(firstFailure)} (pages with room left still take rows)`,
      );
    }
    ctx.fault(
      'tablespace full',
      start,
      end,
      `shrunk to ${shrunkTo === undefined ? '?' : (shrunkTo / 1024 / 1024).toFixed(2)} MiB at ${storedAtShrink ?? '?'} rows stored; ` +
        `first disk-full failure ${firstFailure === undefined ? 'never' : `${firstFailure - start} ms`} after; ` +
        `${notReady.length} of ${polls} /readyz polls answered not ready`,
    );

    // Readiness comes back with the first write that succeeds (the held batches' next retry).
    const back = await waitFor(
      '/readyz to answer ready again',
      async () => (await readyz(metricsPort))?.status === 200 && Date.now(),
      { timeoutMs: 60_000, intervalMs: 200, signal: ctx.signal },
    ).catch(() => undefined);
    const counted = await scrapeMetrics(metricsPort).then(
      (text) => sumSamples(text, 'sensors_batch_write_failures_total', { cause: DISK_FULL }) ?? 0,
      () => 0,
    );
    const reason = notReady.flatMap((r) => r.reasons).find((x) => /disk full/.test(x));
    ctx.check(
      'the fault took effect: batch writes failed on the full disk (53100), held and retried',
      mostRetries(failures) >= RETRIES && counted >= failures.length,
      `${failures.length} failed writes logged with cause ${DISK_FULL} while full, one batch retried ${mostRetries(failures)} times; sensors_batch_write_failures_total{cause="${DISK_FULL}"} ${counted}`,
    );
    ctx.check(
      '/readyz said why while the disk was full',
      reason !== undefined,
      reason ?? `reasons seen: ${[...new Set(notReady.flatMap((r) => r.reasons))].join(' | ') || 'none'}`,
    );
    ctx.check(
      '/readyz ready again once space was freed',
      back !== undefined,
      back === undefined ? 'still not ready 60 s after' : `${back - end} ms after the filesystem grew`,
    );
  },
  verify(ctx, result) {
    ctx.check(
      'nothing dead-lettered',
      result.deadLettered === 0,
      `${result.deadLettered} dead letters: ${JSON.stringify(result.deadLetterReasons)}`,
    );
  },
};
