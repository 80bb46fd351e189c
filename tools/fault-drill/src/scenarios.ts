import { setTimeout as delay } from 'node:timers/promises';
import { Client } from 'pg';
import {
  adminQuery,
  closeBrokerConnections,
  isListening,
  queueDepth,
  quoteIdentifier,
  waitFor,
  type AppProcess,
  type RabbitCluster,
} from '@sensors/testing';
import { seededIds, type Scenario, type ScenarioContext } from './run-scenario';
import { poisonMessage } from './scenario-poison';
import { fullDisk } from './scenario-full-disk';
import { terminateSessions } from './sessions';

/** How long a whole-service outage lasts (the services are the drill's own). */
const OUTAGE_MS = 4000;
/** `rabbitmqctl start_app` itself takes ~3 s before the listener is back: wait less in between. */
const BROKER_STOPPED_MS = 1500;
/** How long a cluster node stays down: long enough for the queue to elect a new leader (~1–2 s). */
const NODE_DOWN_MS = 3000;
/** The publisher's default `--max-unconfirmed`. */
const MAX_UNCONFIRMED = 2000;
/** The least time the memory-alarm scenario's stream takes, so the alarm meets a running publisher. */
const ALARM_STREAM_MS = 60_000;

/** SQLSTATE too_many_connections, e.g. a role past its CONNECTION LIMIT. */
const TOO_MANY_CONNECTIONS = '53300';
const BROKER_LOST = 'broker connection lost, reconnecting';

function count(ctx: ScenarioContext, label: 'publisher' | 'consumer', msg: string, since = 0): number {
  return ctx.apps
    .filter((app) => app.label.startsWith(label))
    .reduce((sum, app) => sum + app.lines(msg).filter((line) => (line.time ?? 0) >= since).length, 0);
}

/**
 * Runs `restore` (start a service) while probing `isUp` every 50 ms, and returns when the
 * service first answered, or when `restore` returned if the probe never saw it: the moment
 * the outage ended, which the apps may notice before the start command returns.
 */
async function restoreWhileProbing(restore: () => Promise<void>, isUp: () => Promise<boolean>): Promise<number> {
  let upAt: number | undefined;
  let restoring = true;
  const probe = (async () => {
    while (restoring && upAt === undefined) {
      if (await isUp()) upAt = Date.now();
      else await delay(50);
    }
  })();
  try {
    await restore();
  } finally {
    restoring = false;
    await probe;
  }
  return upAt ?? Date.now();
}

function postgresAnswers(adminUrl: string): Promise<boolean> {
  return adminQuery('SELECT 1', [], { url: adminUrl, timeoutMs: 1000 }).then(
    () => true,
    () => false,
  );
}

/** Whether a broker's AMQP listener accepts TCP connections (RabbitMQ opens it last when it boots). */
function brokerListening(amqpUrl: string): Promise<boolean> {
  const url = new URL(amqpUrl);
  return isListening(Number(url.port || 5672), url.hostname);
}

/** A whole service of the drill's own taken down and brought back. */
interface Outage {
  /** The fault's label in the report. */
  label: string;
  /** What brings the service back, as the drill's restores name it. */
  restoreName: string;
  stop: () => Promise<void>;
  restart: () => Promise<void>;
  isUp: () => Promise<boolean>;
  /** How long it stays down once stopped. */
  downMs: number;
}

/**
 * Stops the service, keeps it down for `downMs`, brings it back (also as a registered restore,
 * should the drill be cut short) and records the fault from the stop command until the service
 * first answered again. Resolves to when the stop command began and when it had taken effect.
 */
async function takeDown(ctx: ScenarioContext, outage: Outage): Promise<{ start: number; stoppedAt: number }> {
  const restore = ctx.settings.restores.add(outage.restoreName, outage.restart);
  const start = Date.now();
  let stoppedAt: number | undefined;
  let end: number;
  try {
    await outage.stop();
    stoppedAt = Date.now();
    await ctx.delay(outage.downMs);
  } finally {
    end = await restoreWhileProbing(restore, outage.isUp);
  }
  const down = end - (stoppedAt ?? end);
  ctx.fault(outage.label, start, end, `stopping took ${(stoppedAt ?? end) - start} ms; down ${down} ms`);
  return { start, stoppedAt: stoppedAt ?? end };
}

const brokerConnectionsClosed: Scenario = {
  id: '1',
  title: 'broker connections force-closed ×4',
  scope: 'own',
  async run(ctx) {
    await ctx.startPipeline();
    const fractions = [0.2, 0.4, 0.6, 0.8];
    const closedEach: number[] = [];
    for (const [index, fraction] of fractions.entries()) {
      await ctx.waitForStored(fraction);
      const start = Date.now();
      const closed = (
        await Promise.all(
          [ctx.publisherConnection, ctx.consumerConnection].map((name) => closeBrokerConnections(name, ctx.broker)),
        )
      ).reduce((sum, n) => sum + n, 0);
      closedEach.push(closed);
      ctx.fault(`close_connection #${index + 1}`, start, Date.now(), `${closed} connections closed`);
      // Let both apps reconnect before the next cut, so each cut hits an established pipeline.
      await waitFor(
        'both apps to reconnect',
        () =>
          count(ctx, 'publisher', 'broker connected', start) + count(ctx, 'consumer', 'broker connected', start) >=
            closed || !ctx.publisherApps[0].running,
        { timeoutMs: 30_000, intervalMs: 50, signal: ctx.signal },
      ).catch(() => ctx.notes.push(`cut #${index + 1}: the apps did not both reconnect within 30 s`));
    }
    const publisherLost = count(ctx, 'publisher', BROKER_LOST);
    const consumerLost = count(ctx, 'consumer', BROKER_LOST);
    ctx.check(
      'the fault took effect',
      // On a slow machine a cut may land after the publisher finished its run: then only the
      // consumer has a connection to lose, and that still proves the fault.
      closedEach.every((closed) => closed >= 1) && publisherLost + consumerLost >= 1,
      `connections closed per cut: ${closedEach.join(', ')}; reconnects logged: publisher ${publisherLost}, consumer ${consumerLost}`,
    );
  },
};

const brokerStopped: Scenario = {
  id: '2',
  title: 'RabbitMQ stop_app, start_app (~5 s down)',
  scope: 'whole broker',
  async run(ctx) {
    await ctx.startPipeline();
    // Both apps must be connected when the broker stops: wait on the publisher's progress, early
    // enough that `stop_app` (seconds on a loaded machine) lands before the publisher is done.
    await ctx.waitForConfirmed(0.2);
    const broker = ctx.settings.services.broker;
    const { stoppedAt } = await takeDown(ctx, {
      label: 'broker stopped',
      restoreName: 'rabbitmqctl start_app (the drill node)',
      stop: () => broker.stopApp(),
      restart: () => broker.startApp(),
      isUp: () => brokerListening(broker.url),
      downMs: BROKER_STOPPED_MS,
    });
    // On a slow machine `stop_app` can take so long that the publisher has confirmed everything
    // before it lands: then only the consumer had a connection to lose, and that proves the fault.
    const publisherRan = ctx.publisherApps.some(
      (app) =>
        app.aliveAt(stoppedAt) &&
        !app.logs.some((line) => (line.time ?? 0) <= stoppedAt && Number(line['confirmed']) >= ctx.size),
    );
    const tookEffect = () =>
      count(ctx, 'consumer', BROKER_LOST) >= 1 && (!publisherRan || count(ctx, 'publisher', BROKER_LOST) >= 1);
    await waitFor('the apps to report the lost connection', tookEffect, {
      timeoutMs: 30_000,
      intervalMs: 100,
      signal: ctx.signal,
    }).catch(() => undefined);
    ctx.check(
      'the fault took effect',
      tookEffect(),
      `connection losses logged: publisher ${count(ctx, 'publisher', BROKER_LOST)}${publisherRan ? '' : ' (it had finished)'}, consumer ${count(ctx, 'consumer', BROKER_LOST)}; retries while down: ${count(ctx, 'publisher', 'broker unreachable, retrying') + count(ctx, 'consumer', 'broker unreachable, retrying')}`,
    );
  },
};

const postgresRestarted: Scenario = {
  id: '3a',
  title: `Postgres stopped and started (${OUTAGE_MS / 1000} s)`,
  scope: 'whole Postgres',
  async run(ctx) {
    await ctx.startPipeline();
    await ctx.waitForStored(0.4);
    const postgres = ctx.settings.services.postgres;
    const failedBefore = await ctx.writeFailures();
    await takeDown(ctx, {
      label: 'Postgres down',
      restoreName: 'start the drill Postgres',
      stop: () => postgres.stop(),
      restart: () => postgres.start(),
      isUp: () => postgresAnswers(postgres.adminUrl),
      downMs: OUTAGE_MS,
    });
    let failed = 0;
    await waitFor(
      'the consumer to count a failed batch write',
      async () => {
        failed = (await ctx.writeFailures()) - failedBefore;
        return failed >= 1;
      },
      { timeoutMs: 30_000, intervalMs: 100, signal: ctx.signal },
    ).catch(() => undefined);
    ctx.check(
      'the fault took effect',
      failed >= 1,
      `batch writes failed (sensors_batch_write_failures_total): ${failed}`,
    );
  },
};

const consumerSessionsTerminated: Scenario = {
  id: '3b',
  title: "consumer's Postgres sessions terminated ×3 (2 mid-INSERT)",
  scope: 'own',
  async run(ctx) {
    await ctx.startPipeline();
    const details: string[] = [];
    let terminatedTotal = 0;
    let frozenCuts = 0;
    const failedBefore = await ctx.writeFailures();
    for (const [index, fraction] of [0.3, 0.5, 0.7].entries()) {
      await ctx.waitForStored(fraction);
      // Cuts 1 and 3 freeze a batch inside its INSERT first, so the session surely dies
      // mid-statement; cut 2 takes the sessions as they are (mostly idle between batches).
      const freeze = index === 1 ? undefined : await ctx.freezeNextBatch();
      const sessions = freeze?.sessions ?? (await ctx.consumerSessions());
      const start = Date.now();
      let terminated: number;
      try {
        terminated = await terminateSessions(
          ctx.adminUrl(),
          sessions.map((session) => session.pid),
        );
      } finally {
        await freeze?.release();
      }
      terminatedTotal += terminated;
      if (freeze?.frozen) frozenCuts++;
      const how = freeze ? (freeze.frozen ? 'INSERT frozen mid-statement' : 'no INSERT caught') : 'as found';
      ctx.fault(`pg_terminate_backend #${index + 1}`, start, Date.now(), `${terminated} sessions, ${how}`);
      details.push(`${terminated} (${how})`);
      await ctx.delay(500);
    }
    const failed = (await ctx.writeFailures()) - failedBefore;
    ctx.check(
      'the fault took effect',
      terminatedTotal >= 3 && frozenCuts === 2 && failed >= 2,
      `sessions terminated per cut: ${details.join(', ')}; batch writes failed (sensors_batch_write_failures_total): ${failed}`,
    );
  },
};

const consumerKilled: Scenario = {
  id: '4',
  title: 'consumer SIGKILLed mid-INSERT, restarted',
  scope: 'own',
  async run(ctx) {
    const { consumer } = await ctx.startPipeline();
    await ctx.waitForStored(0.4);
    // Freeze a batch inside its INSERT, kill the consumer, then let the orphaned INSERT go on:
    // Postgres commits it, but the killed consumer never acks it, so the broker redelivers
    // rows that are already stored (the crash-after-commit-before-ack case).
    const freeze = await ctx.freezeNextBatch();
    const start = Date.now();
    let exit: number | string;
    try {
      consumer.signal('SIGKILL');
      exit = await consumer.exited;
    } finally {
      await freeze.release();
    }
    const depth = await queueDepth(ctx.queue, ctx.broker);
    await ctx.delay(2000);
    const restarted = await ctx.startConsumer();
    ctx.fault(
      'consumer down',
      start,
      restarted.startedAt,
      `INSERT frozen mid-statement when killed: ${freeze.frozen ? 'yes' : 'no'}; queue after the kill: ${depth?.messages ?? '?'} messages`,
    );
    ctx.check(
      'the fault took effect',
      exit === 'SIGKILL' && freeze.frozen,
      `${consumer.label} ended by ${String(exit)}, INSERT in flight: ${freeze.frozen}`,
    );
  },
};

const publisherKilled: Scenario = {
  id: '5',
  title: 'publisher SIGKILLed, then rerun with the same seed',
  scope: 'own',
  async run(ctx) {
    const { publisher } = await ctx.startPipeline();
    await ctx.waitForConfirmed(0.4);
    const start = Date.now();
    publisher.signal('SIGKILL');
    const exit = await publisher.exited;
    const progress = publisher.logs.filter((line) => typeof line['confirmed'] === 'number');
    const lastLogged = (progress.at(-1)?.['confirmed'] as number | undefined) ?? 0;
    const published = (progress.at(-1)?.['published'] as number | undefined) ?? 0;
    ctx.killedRunConfirmed = lastLogged;

    // Everything the broker took must now reach the table: wait until the queue is empty and
    // the count is steady, then compare with what the publisher had reported as confirmed.
    let steady = -1;
    await waitFor(
      'the queue to drain after the kill',
      async () => {
        const depth = await queueDepth(ctx.queue, ctx.broker);
        const stored = ctx.sampler.latest;
        const done = depth?.messages === 0 && stored === steady;
        steady = stored;
        return done;
      },
      { timeoutMs: 60_000 + ctx.streamMs, intervalMs: 1000, signal: ctx.signal },
    );
    const rows = await adminQuery<{ id: string }>('SELECT id FROM sensor_readings', [], {
      url: ctx.adminUrl(ctx.database),
      timeoutMs: 60_000,
    });
    const storedIds = new Set(rows.map((row) => row.id));
    const ids = seededIds(ctx.seed, ctx.settings.sensors, ctx.size);
    const missingBelowConfirmed = ids.slice(0, lastLogged).filter((id) => !storedIds.has(id)).length;
    const prefixEnd = ids.findIndex((id) => !storedIds.has(id));
    const prefixLength = prefixEnd === -1 ? ids.length : prefixEnd;
    const beyondPrefix = ids.slice(prefixLength).filter((id) => storedIds.has(id)).length;
    ctx.check('killed by SIGKILL', exit === 'SIGKILL', `${publisher.label} ended by ${String(exit)}`);
    ctx.check(
      'stored ≥ last logged confirmed',
      rows.length >= lastLogged,
      `${rows.length} rows stored after the kill; the publisher's last progress line (≤200 ms before the kill) said ${lastLogged} confirmed, ${published} published`,
    );
    ctx.check(
      'every reading confirmed before the kill is stored',
      missingBelowConfirmed === 0,
      `${missingBelowConfirmed} of the first ${lastLogged} seeded readings missing`,
    );
    ctx.check(
      'the stored set is a prefix of the seeded stream',
      beyondPrefix === 0 && prefixLength === rows.length,
      `the first ${prefixLength} seeded readings are stored, and ${beyondPrefix} later ones`,
    );
    ctx.notes.push(
      `killed run: last logged confirmed ${lastLogged}, published ${published}; stored after drain ${rows.length} (${rows.length - lastLogged} confirmed in the last ≤200 ms or in flight)`,
    );

    // The rerun republishes the whole seeded stream; the primary key absorbs what is stored.
    const rerun = ctx.startPublisher({ rate: 0 });
    ctx.fault('publisher down', start, rerun.startedAt, `rerun with --rate 0 after the drain`);
  },
};

/** A progress line's readings received and not yet settled (confirmed, failed or refused). */
function unsettled(line: Record<string, unknown>): number {
  const settled = ['confirmed', 'failed', 'rejected'].reduce((sum, key) => sum + (Number(line[key]) || 0), 0);
  return (Number(line['received']) || 0) - settled;
}

const memoryAlarm: Scenario = {
  id: '6',
  title: 'memory alarm blocks publishers (until the window is full)',
  scope: 'whole broker',
  async run(ctx) {
    const broker = ctx.settings.services.broker;
    // The alarm must meet a running publisher. `rabbitmqctl` starts an Erlang VM, which on a
    // loaded machine can take longer than the drill's usual stream, so this publisher is paced
    // to outlast it: the stream takes at least ALARM_STREAM_MS and the alarm is set at a tenth.
    const rate = Math.min(ctx.settings.rate, Math.ceil((ctx.size * 1000) / ALARM_STREAM_MS));
    const { publisher } = await ctx.startPipeline({ rate, rssIntervalMs: 100 });
    await ctx.waitForConfirmed(0.1);
    // The drill's own node, so the watermark is set for no one else; `start_app` puts back
    // the configured one, which is how the block ends on any machine speed.
    const restore = ctx.settings.restores.add("reset the drill node's memory watermark", async () => {
      await broker.ctl(['-q', 'set_vm_memory_high_watermark', '0.4']);
    });
    const start = Date.now();
    let blockedAt: number | undefined;
    let filledAt: number | undefined;
    try {
      await broker.ctl(['-q', 'set_vm_memory_high_watermark', '0.0000001']);
      await waitFor('the publisher to be blocked', () => publisher.lines('broker blocked publishing').length > 0, {
        timeoutMs: 60_000,
        intervalMs: 50,
        signal: ctx.signal,
      }).catch(() => undefined);
      blockedAt = publisher.lines('broker blocked publishing')[0]?.time;
      // Held until the window of unconfirmed readings is full (a condition, not a clock), then
      // two more progress intervals, so the lines show whether generation stopped.
      // (or until the publisher has received every reading, when the rest fits in the window).
      const progress = () => publisher.logs.filter((l) => l.msg === 'progress' && (l.time ?? 0) >= start);
      await waitFor(
        'the window to fill',
        () =>
          progress().some((l) => Number(l['unconfirmed']) >= MAX_UNCONFIRMED) ||
          progress().some((l) => Number(l['received']) >= ctx.size),
        { timeoutMs: 60_000, intervalMs: 100, signal: ctx.signal },
      ).catch(() => undefined);
      filledAt = progress().find((l) => Number(l['unconfirmed']) >= MAX_UNCONFIRMED)?.time;
      await ctx.delay(1000);
    } finally {
      await restore();
    }
    const end = Date.now();
    ctx.fault(
      'publishers blocked',
      start,
      end,
      `blocked logged ${blockedAt ? blockedAt - start : '?'} ms after the alarm; window full ${filledAt ? `${filledAt - start} ms after` : 'never'}`,
    );
    await waitFor('the publisher to be unblocked', () => publisher.lines('broker unblocked publishing').length > 0, {
      timeoutMs: 60_000,
      intervalMs: 50,
      signal: ctx.signal,
    }).catch(() => undefined);
    await ctx.delay(2000);

    // Memory: the peak RSS in the 3 s before the alarm, during it, and in the 3 s after.
    const peak = (from: number, to: number) =>
      Math.max(0, ...publisher.rss.filter(([at]) => at >= from && at <= to).map(([, kib]) => kib)) / 1024;
    const rssBefore = peak(start - 3000, start);
    const rssDuring = peak(start, end);
    const rssAfter = peak(end, end + 3000);
    // Backpressure as a bound that holds at any speed: while blocked, the readings received
    // and not settled never exceed the window (plus the one reading waiting for room).
    const unblockedAt = publisher.lines('broker unblocked publishing')[0]?.time ?? end;
    const blockEnd = Math.min(end, unblockedAt);
    const during = publisher.logs.filter(
      (l) =>
        l.msg === 'progress' && typeof l['received'] === 'number' && (l.time ?? 0) >= start && (l.time ?? 0) < blockEnd,
    );
    const unconfirmedMax = Math.max(0, ...during.map((l) => Number(l['unconfirmed'])));
    const unsettledMax = Math.max(0, ...during.map(unsettled));
    ctx.notes.push(
      `publisher RSS peak: ${rssBefore.toFixed(1)} MiB before, ${rssDuring.toFixed(1)} MiB during, ${rssAfter.toFixed(1)} MiB after the block (sampled every 100 ms); unconfirmed at most ${unconfirmedMax}, received and unsettled at most ${unsettledMax}`,
    );
    if (filledAt === undefined) {
      ctx.notes.push(`the window never filled at ${rate}/s, so this run does not exercise the stop`);
    }
    ctx.check(
      'the publisher was blocked, and released',
      blockedAt !== undefined && publisher.lines('broker unblocked publishing').length > 0,
      `blocked logged: ${blockedAt !== undefined}, unblocked logged: ${publisher.lines('broker unblocked publishing').length > 0}`,
    );
    ctx.check(
      'publisher memory flat while blocked (peak ≤ before + 32 MiB)',
      rssDuring <= rssBefore + 32,
      `${rssBefore.toFixed(1)} → ${rssDuring.toFixed(1)} MiB`,
    );
    ctx.check(
      `the publisher waits while blocked (≤ ${MAX_UNCONFIRMED} unconfirmed, ≤ ${MAX_UNCONFIRMED + 1} received and unsettled)`,
      unconfirmedMax <= MAX_UNCONFIRMED && unsettledMax <= MAX_UNCONFIRMED + 1,
      `unconfirmed at most ${unconfirmedMax}, received and unsettled at most ${unsettledMax} over ${during.length} progress lines`,
    );
  },
};

const tableLocked: Scenario = {
  id: '7a',
  title: 'sensor_readings locked (ACCESS EXCLUSIVE, 6 s)',
  scope: 'own',
  async run(ctx) {
    await ctx.startPipeline();
    await ctx.waitForStored(0.4);
    const client = new Client({ connectionString: ctx.adminUrl(ctx.database), connectionTimeoutMillis: 5000 });
    client.on('error', () => undefined);
    await client.connect();
    const restore = ctx.settings.restores.add(`release the lock on sensor_readings in ${ctx.database}`, () =>
      client.end(),
    );
    let waiting = 0;
    const { start, end } = await ctx.injectFault(restore, async () => {
      await client.query('BEGIN');
      await client.query('LOCK TABLE sensor_readings IN ACCESS EXCLUSIVE MODE');
      const holdUntil = Date.now() + 6000;
      while (Date.now() < holdUntil) {
        const sessions = await ctx.consumerSessions();
        waiting = Math.max(waiting, sessions.filter((s) => s.wait_event_type === 'Lock').length);
        await ctx.delay(500);
      }
      await client.query('ROLLBACK');
    });
    ctx.fault('table locked', start, end, `up to ${waiting} consumer sessions waited on the lock`);
    ctx.check('the fault took effect', waiting >= 1, `consumer sessions seen waiting on the lock: ${waiting}`);
  },
};

const connectionsRefused: Scenario = {
  id: '7b',
  title: "consumer's role at CONNECTION LIMIT 0 (5 s)",
  scope: 'own',
  async run(ctx) {
    await ctx.startPipeline();
    await ctx.waitForStored(0.4);
    const role = ctx.settings.role.name;
    const [{ rolconnlimit }] = await adminQuery<{ rolconnlimit: number }>(
      'SELECT rolconnlimit FROM pg_roles WHERE rolname = $1',
      [role],
      { url: ctx.adminUrl() },
    );
    const restore = ctx.settings.restores.add(`ALTER ROLE ${role} CONNECTION LIMIT ${rolconnlimit}`, async () => {
      await adminQuery(`ALTER ROLE ${quoteIdentifier(role)} CONNECTION LIMIT ${Number(rolconnlimit)}`, [], {
        url: ctx.adminUrl(),
      });
    });
    let terminated: number | undefined;
    const refusedBefore = await ctx.writeFailures(TOO_MANY_CONNECTIONS);
    const { start, end } = await ctx.injectFault(restore, async () => {
      await adminQuery(`ALTER ROLE ${quoteIdentifier(role)} CONNECTION LIMIT 0`, [], { url: ctx.adminUrl() });
      // The limit only stops new connections: end the pooled ones, so the consumer must reconnect.
      const sessions = await ctx.consumerSessions();
      terminated = await terminateSessions(
        ctx.adminUrl(),
        sessions.map((session) => session.pid),
      );
      await ctx.delay(OUTAGE_MS + 1000);
    });
    ctx.fault('connections refused', start, end, `${terminated} sessions terminated`);
    const refused = (await ctx.writeFailures(TOO_MANY_CONNECTIONS)) - refusedBefore;
    ctx.check(
      'the fault took effect',
      refused >= 1,
      `batch writes failed with "too many connections for role" (sensors_batch_write_failures_total{cause="${TOO_MANY_CONNECTIONS}"}): ${refused}`,
    );
  },
};

function clusterNode(cluster: RabbitCluster, node: number) {
  const found = cluster.nodes[node - 1];
  if (!found) throw new Error(`the cluster has no node ${node}`);
  return found;
}

interface NodeLossOptions {
  how: 'stop-app' | 'kill';
  /** Which node to take down, given the queue's leader. */
  pick: (leader: number) => number;
}

/**
 * Takes one cluster node down mid-stream (its RabbitMQ application stopped, or its Erlang VM
 * SIGKILLed), keeps it down for {@link NODE_DOWN_MS} (and until the queue has a leader on
 * another node, when it was the leader), then brings it back. The fault's end is the moment
 * the node was gone: on a cluster the pipeline must recover without waiting for it.
 */
async function losenumber(ctx: ScenarioContext, { how, pick }: NodeLossOptions): Promise<void> {
  const cluster = ctx.settings.services.cluster;
  const { consumers, publisher } = await ctx.startClusterPipeline();
  const appsOn = new Map<number, AppProcess>([
    [1, publisher],
    [2, consumers[0]],
    [3, consumers[1]],
  ]);
  await ctx.waitForStored(0.4);
  const members = await cluster.members(ctx.queue);
  ctx.check(
    'the queue has a replica on every node',
    members.length === 3,
    `members: ${members.map((node) => `c${node}`).join(', ') || 'none listed'}`,
  );
  const leader = await cluster.leader(ctx.queue);
  const node = pick(leader);
  const target = clusterNode(cluster, node);
  const restart = how === 'stop-app' ? () => target.startApp() : () => target.start();
  const restore = ctx.settings.restores.add(
    `${how === 'stop-app' ? 'start_app' : 'start'} cluster node c${node}`,
    restart,
  );
  const start = Date.now();
  let lostAt: number | undefined;
  let newLeader: { node: number; at: number } | undefined;
  let backAt: number;
  try {
    if (how === 'stop-app') await target.stopApp();
    else await target.kill();
    lostAt = Date.now();
    const election =
      node === leader
        ? waitFor(
            'a new leader',
            async () => {
              const current = await cluster.leader(ctx.queue).catch(() => undefined);
              return current !== undefined && current !== node ? { node: current, at: Date.now() } : undefined;
            },
            { timeoutMs: 15_000, intervalMs: 200, signal: ctx.signal },
          ).catch(() => undefined)
        : Promise.resolve(undefined);
    [newLeader] = await Promise.all([election, ctx.delay(NODE_DOWN_MS)]);
  } finally {
    backAt = await restoreWhileProbing(restore, () => brokerListening(target.url));
  }
  const lost = lostAt ?? backAt;
  const role = node === leader ? 'the leader' : `not the leader (c${leader})`;
  ctx.fault(
    `c${node} ${how === 'stop-app' ? 'stopped' : 'killed'}`,
    start,
    lost,
    `c${node} is ${role}, preferred by ${appsOn.get(node)?.label}; ${how} took ${lost - start} ms; down ${backAt - lost} ms until its port answered again` +
      (node === leader
        ? `; new leader ${newLeader ? `c${newLeader.node} seen ${newLeader.at - lost} ms after the loss` : 'not seen within 15 s'}`
        : ''),
  );
  await ctx.delay(1000);
  const onNode = appsOn.get(node) as AppProcess;
  const lostOnNode = onNode.lines(BROKER_LOST).filter((line) => (line.time ?? 0) >= start).length;
  const lostElsewhere = [...appsOn.values()]
    .filter((app) => app !== onNode)
    .map((app) => `${app.label} ${app.lines(BROKER_LOST).filter((line) => (line.time ?? 0) >= start).length}`);
  ctx.check(
    'the fault took effect',
    lostOnNode >= 1 && (node !== leader || newLeader !== undefined),
    `${onNode.label} (on c${node}) logged the connection lost ${lostOnNode} times; others: ${lostElsewhere.join(', ')}` +
      (node === leader ? `; leader moved: ${newLeader ? `c${node} → c${newLeader.node}` : 'no'}` : ''),
  );
  const after = await cluster.members(ctx.queue);
  ctx.notes.push(`queue members after c${node} came back: ${after.map((n) => `c${n}`).join(', ')}`);
}

const clusterLeaderStopped: Scenario = {
  id: 'c1',
  title: "cluster: queue leader's node stop_app, start_app",
  scope: 'one cluster node',
  cluster: true,
  run: (ctx) => losenumber(ctx, { how: 'stop-app', pick: (leader) => leader }),
};

const clusterNodeKilled: Scenario = {
  id: 'c2',
  title: "cluster: a follower's node (the publisher's, c1) SIGKILLed, restarted",
  scope: 'one cluster node',
  cluster: true,
  // The publisher's own node, so its unconfirmed readings must be republished elsewhere.
  run: (ctx) => losenumber(ctx, { how: 'kill', pick: (leader) => (leader !== 1 ? 1 : 2) }),
};

const clusterLeaderKilled: Scenario = {
  id: 'c3',
  title: "cluster: queue leader's node SIGKILLed, restarted",
  scope: 'one cluster node',
  cluster: true,
  run: (ctx) => losenumber(ctx, { how: 'kill', pick: (leader) => leader }),
};

/** Every scenario, in the order the drill runs them (the cluster ones last, so the cluster is up once). */
export const scenarios: readonly Scenario[] = [
  brokerConnectionsClosed,
  brokerStopped,
  postgresRestarted,
  consumerSessionsTerminated,
  consumerKilled,
  publisherKilled,
  memoryAlarm,
  tableLocked,
  connectionsRefused,
  poisonMessage,
  fullDisk,
  clusterLeaderStopped,
  clusterNodeKilled,
  clusterLeaderKilled,
];
