import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Client } from 'pg';
import { createSensorSimulator } from '@sensors/sensor-generator';
import {
  adminQuery,
  AppProcess,
  countQueueMessages,
  deleteBrokerObjects,
  queueDepth,
  quoteIdentifier,
  readMetric,
  waitFor,
  withTimeout,
  type Broker,
} from '@sensors/testing';
import { peekDeadLetters, type DeadLetter } from './dead-letters';
import { measureRecovery, type FaultWindow, type Recovery } from './measure-recovery';
import type { RestoreRegistry } from './restore-registry';
import { RowCountSampler } from './row-count-sampler';
import type { DrillServices } from './services';
import { sessionsOf, type Session } from './sessions';

/**
 * The only variables an app inherits from the drill's environment: a whitelist, so that no app
 * setting leaks in from the shell, whatever options the apps gain later.
 */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

/** What every scenario of one drill run shares. */
export interface DrillSettings {
  size: number;
  rate: number;
  seed: string;
  sensors: number;
  publisherMain: string;
  consumerMain: string;
  logDir: string;
  /** Leave each scenario's database and queues in place, for a post-mortem. */
  keep: boolean;
  /** The login role the consumer uses (not a superuser, so its connection limit applies). */
  role: { name: string; password: string };
  restores: RestoreRegistry;
  /** The drill's throwaway broker, Postgres and (for the node-loss scenarios) 3-node cluster. */
  services: DrillServices;
  /** Aborts when the drill is interrupted. */
  interrupted: AbortSignal;
}

/** A named pass/fail check with the figures behind it. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** A scenario: one fault injected into a running pipeline. */
export interface Scenario {
  id: string;
  title: string;
  /** Whether the fault touches only the scenario's own connections and database, or a whole service. */
  scope: 'own' | 'whole broker' | 'whole Postgres' | 'one cluster node';
  /** Runs on the throw-away 3-node cluster instead of the local broker. */
  cluster?: true;
  /**
   * Starts the apps (through the context), injects the fault while the stream runs and
   * returns; the harness then waits for the publisher, drains and verifies.
   */
  run(ctx: ScenarioContext): Promise<void>;
  /** Checks of its own on the verified result (e.g. that nothing was dead-lettered), after the harness's. */
  verify?(ctx: ScenarioContext, result: ScenarioResult): void;
}

/** Thrown by {@link ScenarioContext.skip}: the machine cannot run the scenario, which neither passes nor fails. */
export class ScenarioSkipped extends Error {}

const TABLE = 'sensor_readings';
const CONSUMER_APP_NAME = 'sensors-consumer';

/** The running pipeline of one scenario, as its `run` sees it. */
export class ScenarioContext {
  readonly apps: AppProcess[] = [];
  readonly faults: FaultWindow[] = [];
  readonly checks: Check[] = [];
  readonly notes: string[] = [];
  readonly sampler: RowCountSampler;
  /** For a scenario whose first publisher is killed: what it had confirmed, by its last progress line. */
  killedRunConfirmed: number | undefined;
  /**
   * The dead letters a scenario causes on purpose, by message id, with their reason. When a
   * scenario sets any, the verdict also requires the dead-letter queue to hold exactly these,
   * once each: no good reading beside them.
   */
  readonly expectedDeadLetters = new Map<string, string>();
  /** The routing key the drill gives its apps (SENSORS_ROUTING_KEY), for messages it publishes itself. */
  readonly routingKey = 'sensor.reading';
  private publishers = 0;
  private consumers = 0;

  constructor(
    readonly scenario: Scenario,
    readonly settings: DrillSettings,
    readonly seed: string,
    readonly database: string,
    readonly queue: string,
    readonly exchange: string,
    readonly signal: AbortSignal,
  ) {
    this.sampler = new RowCountSampler(settings.services.postgres.urlFor(database), TABLE);
  }

  /** The broker this scenario's apps use: the drill's single node, or its cluster. */
  get broker(): Broker {
    return this.settings.services.brokerFor(this.scenario.cluster === true);
  }

  /** A superuser's URL of the drill's Postgres, in `database` (default `postgres`). */
  adminUrl(database = 'postgres'): string {
    return this.settings.services.postgres.urlFor(database);
  }

  get size(): number {
    return this.settings.size;
  }

  get publisherConnection(): string {
    return `sensors-publisher:${this.queue}`;
  }

  get consumerConnection(): string {
    return `sensors-consumer:${this.queue}`;
  }

  /** How long the stream should take, and so the scale of every wait. */
  get streamMs(): number {
    return (this.settings.size / this.settings.rate) * 1000;
  }

  /** On the cluster, `node` is the app's preferred node: its SENSORS_AMQP_URL lists it first. */
  private env(node: number | undefined): Record<string, string> {
    const broker: Record<string, string> = this.scenario.cluster
      ? { SENSORS_AMQP_URL: this.settings.services.cluster.urlsFrom(node ?? 1), SENSORS_QUEUE_REPLICAS: '3' }
      : { SENSORS_AMQP_URL: this.settings.services.broker.url };
    return {
      ...broker,
      SENSORS_QUEUE: this.queue,
      SENSORS_EXCHANGE: this.exchange,
      SENSORS_ROUTING_KEY: this.routingKey,
      SENSORS_PROGRESS_INTERVAL_MS: '200',
      SENSORS_LOG_LEVEL: 'info',
      // Any free port: another copy of the apps (someone's tests) may hold the default one.
      SENSORS_METRICS_PORT: '0',
    };
  }

  private consumerProcess(label: string, args: string[], node?: number): AppProcess {
    const app = new AppProcess({
      main: this.settings.consumerMain,
      label,
      args,
      env: {
        ...this.env(node),
        SENSORS_DATABASE_URL: this.settings.services.postgres.urlFor(this.database, this.settings.role),
      },
      inheritEnv: INHERITED_ENV,
      logFile: join(this.settings.logDir, `${this.scenario.id}-${label}.ndjson`),
    });
    this.apps.push(app);
    return app;
  }

  /**
   * Applies the database migrations with the consumer's own `migrate` command and waits for it
   * to exit: for a scenario that arranges the tables before any consumer runs.
   */
  async migrate(): Promise<void> {
    const app = this.consumerProcess('migrate', ['migrate']);
    const exit = await withTimeout('the migrations', app.exited, 60_000);
    if (exit !== 0) throw new Error(`the consumer's migrate command exited ${String(exit)}; see its log`);
  }

  /** Starts a consumer and waits until it consumes. */
  async startConsumer({ node }: { node?: number } = {}): Promise<AppProcess> {
    const label = `consumer-${++this.consumers}`;
    const app = this.consumerProcess(label, [], node);
    await waitFor('the consumer to start', () => app.lines('consumer started').length > 0 || !app.running, {
      timeoutMs: 60_000,
      intervalMs: 50,
      signal: this.signal,
    });
    if (!app.running) throw new Error(`${label} exited at start-up (${String(app.exitResult)}); see its log`);
    return app;
  }

  /** Starts a publisher of the scenario's seeded readings. */
  startPublisher({
    rate = this.settings.rate,
    rssIntervalMs = 0,
    node,
  }: { rate?: number; rssIntervalMs?: number; node?: number } = {}): AppProcess {
    const label = `publisher-${++this.publishers}`;
    const app = new AppProcess({
      main: this.settings.publisherMain,
      label,
      args: [
        '--count',
        String(this.settings.size),
        '--rate',
        String(rate),
        '--seed',
        this.seed,
        '--sensors',
        String(this.settings.sensors),
      ],
      env: this.env(node),
      inheritEnv: INHERITED_ENV,
      logFile: join(this.settings.logDir, `${this.scenario.id}-${label}.ndjson`),
      rssIntervalMs,
    });
    this.apps.push(app);
    return app;
  }

  /** Starts a consumer, then a publisher. */
  async startPipeline(options: { rate?: number; rssIntervalMs?: number } = {}): Promise<{
    consumer: AppProcess;
    publisher: AppProcess;
  }> {
    const consumer = await this.startConsumer();
    const publisher = this.startPublisher(options);
    return { consumer, publisher };
  }

  /**
   * On the cluster: two consumers preferring nodes 2 and 3, then a publisher preferring node 1
   * (the first consumer declares the queue, so its leader is usually node 2).
   */
  async startClusterPipeline(): Promise<{ consumers: AppProcess[]; publisher: AppProcess }> {
    const consumers = [await this.startConsumer({ node: 2 }), await this.startConsumer({ node: 3 })];
    const publisher = this.startPublisher({ node: 1 });
    return { consumers, publisher };
  }

  get publisherApps(): AppProcess[] {
    return this.apps.filter((app) => app.label.startsWith('publisher'));
  }

  get consumerApps(): AppProcess[] {
    return this.apps.filter((app) => app.label.startsWith('consumer'));
  }

  /**
   * Batch writes that failed so far (`sensors_batch_write_failures_total`, of one SQLSTATE or
   * error code `cause` if given), summed over the consumers still running: a scenario takes it
   * before and after its fault, so a consumer must keep running in between.
   */
  async writeFailures(cause?: string): Promise<number> {
    const running = this.consumerApps.filter((app) => app.running);
    const counts = await Promise.all(
      running.map((app) => readMetric(app, 'sensors_batch_write_failures_total', cause ? { cause } : {})),
    );
    return counts.reduce<number>((sum, count) => sum + (count ?? 0), 0);
  }

  /** Waits until the table holds `fraction` of the readings: the moment to inject a fault mid-stream. */
  async waitForStored(fraction: number): Promise<void> {
    const target = Math.floor(this.settings.size * fraction);
    await waitFor(`${target} rows stored`, () => this.sampler.latest >= target, {
      timeoutMs: 60_000 + this.streamMs * 3,
      intervalMs: 50,
      signal: this.signal,
    });
  }

  /**
   * Waits until the first publisher has confirmed `fraction` of the readings. A fault that must
   * meet a running publisher waits on this, not on rows stored: on a loaded machine the consumer
   * can lag so far that the publisher has finished before a fraction of the rows is stored.
   */
  async waitForConfirmed(fraction: number): Promise<void> {
    const target = Math.floor(this.settings.size * fraction);
    const [publisher] = this.publisherApps;
    if (!publisher) throw new Error('no publisher was started');
    await waitFor(
      `${target} readings confirmed`,
      () => publisher.logs.some((line) => line.msg === 'progress' && Number(line['confirmed']) >= target),
      { timeoutMs: 60_000 + this.streamMs * 3, intervalMs: 50, signal: this.signal },
    );
  }

  /** Resolves after `ms`; rejects with an AbortError once the scenario is interrupted or times out. */
  delay(ms: number): Promise<void> {
    return delay(ms, undefined, { signal: this.signal });
  }

  /** Records a fault; notes when the publisher had already finished (the fault was not mid-stream). */
  fault(label: string, start: number, end: number, detail?: string): void {
    this.faults.push({ label, start, end, detail });
    if (!this.publisherApps.some((app) => app.aliveAt(start))) {
      this.notes.push(`${label}: no publisher was running when it started`);
    }
  }

  /**
   * Runs `inject`, then `restore` (a registered restore: the drill runs it too when cut short)
   * however `inject` ended; resolves to the fault's window, from the injection until the restore
   * is done.
   */
  async injectFault(
    restore: () => Promise<void>,
    inject: () => Promise<void>,
  ): Promise<{ start: number; end: number }> {
    const start = Date.now();
    try {
      await inject();
    } finally {
      await restore();
    }
    return { start, end: Date.now() };
  }

  check(name: string, ok: boolean, detail: string): void {
    this.checks.push({ name, ok, detail });
  }

  /** Ends the scenario as skipped: this machine cannot run it (say why). */
  skip(reason: string): never {
    throw new ScenarioSkipped(reason);
  }

  /** The consumer's sessions in this scenario's database. */
  consumerSessions(): Promise<Session[]> {
    return sessionsOf(this.adminUrl(), CONSUMER_APP_NAME, this.database);
  }

  /**
   * Freezes the consumer's next batch mid-statement: takes a SHARE ROW EXCLUSIVE lock on the
   * table (readers go on; inserts wait) and waits until one of the consumer's sessions is
   * waiting on it inside its INSERT. Returns the consumer's sessions at that moment and the
   * function that releases the lock (registered as a restore, too). `frozen` is false when no
   * INSERT arrived within `timeoutMs`.
   */
  async freezeNextBatch(
    timeoutMs = 10_000,
  ): Promise<{ frozen: boolean; sessions: Session[]; release: () => Promise<void> }> {
    const client = new Client({ connectionString: this.adminUrl(this.database), connectionTimeoutMillis: 5000 });
    client.on('error', () => undefined);
    await client.connect();
    const release = this.settings.restores.add(`release the lock on sensor_readings in ${this.database}`, async () => {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end();
    });
    try {
      await client.query('BEGIN');
      await client.query('LOCK TABLE sensor_readings IN SHARE ROW EXCLUSIVE MODE');
      let sessions: Session[] = [];
      const frozen = await waitFor(
        'an INSERT of the consumer waiting on the lock',
        async () => {
          sessions = await this.consumerSessions();
          return sessions.some((s) => s.wait_event_type === 'Lock' && /^\s*INSERT INTO sensor_readings/i.test(s.query));
        },
        { timeoutMs, intervalMs: 20, signal: this.signal },
      ).then(
        () => true,
        (err: unknown) => {
          if (this.signal.aborted) throw err;
          return false;
        },
      );
      return { frozen, sessions, release };
    } catch (err) {
      await release();
      throw err;
    }
  }
}

/** One scenario's figures and verdict, as printed and written to results.json. */
export interface ScenarioResult {
  id: string;
  title: string;
  scope: Scenario['scope'];
  seed: string;
  size: number;
  rate: number;
  database: string;
  queue: string;
  /** What the publisher confirmed, as shown in the table. */
  confirmed: string;
  stored: number;
  deadLettered: number;
  deadLetterReasons: Record<string, number>;
  lost: number;
  /** Stored ids outside the seeded set + ids both stored and dead-lettered + repeated dead letters. */
  duplicated: number;
  extra: number;
  storedAndDeadLettered: number;
  deadLetterRepeats: number;
  /** Rows whose temperatures differ from what the generator made. */
  mismatched: number;
  /** The consumers' `duplicates` counters: redeliveries the primary key absorbed. */
  redeliveredAbsorbed: number;
  recoverSeconds: number | null;
  catchUpSeconds: number | null;
  faults: (FaultWindow & Recovery)[];
  checks: Check[];
  notes: string[];
  apps: { label: string; pid: number; exit: number | string | undefined; logFile: string }[];
  passed: boolean;
  error?: string;
  /** Why the scenario did not run on this machine (it neither passes nor fails). */
  skipped?: string;
  wallSeconds: number;
}

/**
 * Runs one scenario against its own database and queues: the scenario starts the apps and
 * injects its fault; then the publisher is awaited, the queue drained, the consumers stopped,
 * and the stored ids compared with the seeded ones. Cleans up in every case.
 */
export async function runScenario(scenario: Scenario, settings: DrillSettings): Promise<ScenarioResult> {
  const startedAt = Date.now();
  const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const database = `fault_drill_${scenario.id}_${suffix}`;
  const queue = `fault-drill-${scenario.id}-${suffix}`;
  const exchange = `fault-drill-${scenario.id}-${suffix}`;
  const seed = `${settings.seed}-${scenario.id}`;
  const timeoutMs = 180_000 + (settings.size / settings.rate) * 1000 * 5;
  const signal = AbortSignal.any([settings.interrupted, AbortSignal.timeout(timeoutMs)]);
  const ctx = new ScenarioContext(scenario, settings, seed, database, queue, exchange, signal);
  const result: ScenarioResult = {
    ...emptyResult(scenario, settings),
    database,
    queue,
    checks: ctx.checks,
    notes: ctx.notes,
  };

  let databaseCreated = false;
  try {
    await adminQuery(`CREATE DATABASE ${quoteIdentifier(database)} OWNER ${quoteIdentifier(settings.role.name)}`, [], {
      url: ctx.adminUrl(),
    });
    databaseCreated = true;
    ctx.sampler.start();
    await scenario.run(ctx);
    await verify(ctx, result);
  } catch (err) {
    if (result.stored === 0) result.stored = ctx.sampler.latest;
    if (err instanceof ScenarioSkipped) result.skipped = err.message;
    else
      result.error = settings.interrupted.aborted
        ? 'interrupted'
        : signal.aborted
          ? `scenario timed out after ${Math.round(timeoutMs / 1000)} s: ${(err as Error).message}`
          : (err as Error).message;
  } finally {
    for (const app of ctx.apps) {
      if (app.running) {
        await app.stop(15_000).catch(() => undefined);
        ctx.notes.push(`${app.label} was still running at the end and was stopped`);
      }
    }
    await ctx.sampler.stop();
    result.apps = ctx.apps.map((app) => ({
      label: app.label,
      pid: app.pid,
      exit: app.exitResult,
      logFile: app.options.logFile,
    }));
    if (!settings.keep) {
      if (databaseCreated) {
        await adminQuery(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)} WITH (FORCE)`, [], {
          url: ctx.adminUrl(),
        }).catch((err: Error) => ctx.notes.push(`could not drop database ${database}: ${err.message}`));
      }
      await deleteBrokerObjects(
        { queues: [queue, `${queue}.dead-letter`], exchanges: [exchange, `${queue}.dead-letter`] },
        ctx.broker,
      ).catch((err: Error) => ctx.notes.push(`could not delete the queues and exchanges: ${err.message}`));
    }
  }
  result.passed = result.skipped === undefined && result.error === undefined && ctx.checks.every((check) => check.ok);
  result.wallSeconds = round((Date.now() - startedAt) / 1000);
  return result;
}

/** The result of a scenario this machine cannot run, with the reason. */
export function skippedResult(scenario: Scenario, settings: DrillSettings, reason: string): ScenarioResult {
  return { ...emptyResult(scenario, settings), skipped: reason };
}

function emptyResult(scenario: Scenario, settings: DrillSettings): ScenarioResult {
  return {
    id: scenario.id,
    title: scenario.title,
    scope: scenario.scope,
    seed: `${settings.seed}-${scenario.id}`,
    size: settings.size,
    rate: settings.rate,
    database: '',
    queue: '',
    confirmed: '?',
    stored: 0,
    deadLettered: 0,
    deadLetterReasons: {},
    lost: 0,
    duplicated: 0,
    extra: 0,
    storedAndDeadLettered: 0,
    deadLetterRepeats: 0,
    mismatched: 0,
    redeliveredAbsorbed: 0,
    recoverSeconds: null,
    catchUpSeconds: null,
    faults: [],
    checks: [],
    notes: [],
    apps: [],
    passed: false,
    wallSeconds: 0,
  };
}

async function verify(ctx: ScenarioContext, result: ScenarioResult): Promise<void> {
  const { size } = ctx.settings;
  const publishDeadline = 120_000 + ctx.streamMs * 4;

  // 1. The publisher(s) finish: the last one must have had every reading confirmed.
  for (const publisher of ctx.publisherApps) {
    await waitFor(`${publisher.label} to exit`, () => !publisher.running, {
      timeoutMs: publishDeadline,
      intervalMs: 100,
      signal: ctx.signal,
    });
  }
  const last = ctx.publisherApps.at(-1);
  if (!last) throw new Error('the scenario started no publisher');
  const finalLine = [...last.logs].reverse().find((line) => typeof line['confirmed'] === 'number');
  const lastConfirmed = (finalLine?.['confirmed'] as number | undefined) ?? 0;
  const complete = last.exitResult === 0 && lastConfirmed === size;
  ctx.check(
    'publisher confirmed every reading',
    complete,
    `${last.label} exited ${String(last.exitResult)} with ${lastConfirmed} of ${size} confirmed`,
  );
  result.confirmed =
    ctx.killedRunConfirmed === undefined ? String(lastConfirmed) : `≥${ctx.killedRunConfirmed} → ${lastConfirmed}`;
  // Without a complete publisher, only what it confirmed is owed; confirms arrive in publish
  // order on one channel, so that is the seeded stream's first `lastConfirmed` readings.
  const owed = complete ? size : lastConfirmed;

  // 2. The consumer stores everything; wait until it does, or until nothing moves any more.
  let previous = -1;
  let unchangedSince = Date.now();
  await waitFor(
    'every reading stored or dead-lettered, or the flow to stop',
    async () => {
      const stored = ctx.sampler.latest;
      const deadLettered = await countQueueMessages(`${ctx.queue}.dead-letter`, ctx.broker).catch(() => 0);
      if (stored + deadLettered >= size) return true;
      if (stored !== previous) {
        previous = stored;
        unchangedSince = Date.now();
        return false;
      }
      return Date.now() - unchangedSince > 15_000;
    },
    { timeoutMs: 120_000 + ctx.streamMs * 3, intervalMs: 500, signal: ctx.signal },
  );

  // 3. The queue drains to zero (ready and unacked) while the consumer still runs.
  let depth: Awaited<ReturnType<typeof queueDepth>>;
  try {
    depth = await waitFor(
      'the queue to drain',
      async () => {
        const current = await queueDepth(ctx.queue, ctx.broker);
        return current && current.messages === 0 ? current : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, signal: ctx.signal },
    );
  } catch {
    depth = await queueDepth(ctx.queue, ctx.broker);
  }
  ctx.check(
    'the queue drains to zero',
    depth?.messages === 0,
    depth ? `${depth.messages} left (${depth.ready} ready, ${depth.unacked} unacked)` : 'queue not found',
  );

  // 4. The consumers stop gracefully; whatever they held goes back to the queue, which must stay empty.
  const exits: string[] = [];
  for (const consumer of ctx.consumerApps.filter((app) => app.running)) {
    const exit = await consumer.stop(30_000);
    exits.push(`${consumer.label}: ${String(exit)}`);
    const stopped = consumer.lines('consumer stopped').at(-1);
    ctx.check(
      `${consumer.label} stops cleanly`,
      exit === 0 && stopped?.['clean'] === true,
      `exit ${String(exit)}, clean=${String(stopped?.['clean'])}`,
    );
  }
  const left = await countQueueMessages(ctx.queue, ctx.broker);
  if (left !== 0) ctx.check('nothing left in the queue after the consumers stopped', false, `${left} ready`);

  // 5. What is where: dead letters, rows, and the seeded stream they must match.
  const letters = await peekDeadLetters(`${ctx.queue}.dead-letter`, ctx.broker);
  const rows = await adminQuery<{ id: string; temperature_f: number; temperature_c: number }>(
    'SELECT id, temperature_f, temperature_c FROM sensor_readings',
    [],
    { url: ctx.adminUrl(ctx.database), timeoutMs: 120_000 },
  );
  const expected = seededReadings(ctx.seed, ctx.settings.sensors, size);
  Object.assign(result, compare(expected, owed, rows, letters));
  const withoutReason = letters.filter((letter) => !letter.reason).length;
  ctx.check('every dead letter carries a reason', withoutReason === 0, `${withoutReason} of ${letters.length} without`);
  ctx.check('no confirmed reading lost', result.lost === 0, `${result.lost} of ${owed} owed`);
  ctx.check(
    'nothing stored twice or extra',
    result.duplicated === 0,
    `extra ${result.extra}, stored and dead-lettered ${result.storedAndDeadLettered}, repeated dead letters ${result.deadLetterRepeats}`,
  );
  ctx.check('every row as generated', result.mismatched === 0, `${result.mismatched} rows differ`);
  if (ctx.expectedDeadLetters.size > 0) {
    const { ok, detail } = matchExpectedDeadLetters(ctx.expectedDeadLetters, letters);
    const expected = [...ctx.expectedDeadLetters].map(([id, reason]) => `${id} (${reason})`);
    ctx.check(`dead letters exactly as expected: ${expected.join(', ')}`, ok, detail);
  }

  // 6. Redeliveries the idempotent write absorbed, and how fast the pipeline came back.
  result.redeliveredAbsorbed = ctx.consumerApps.reduce((sum, app) => {
    const lastCount = [...app.logs].reverse().find((line) => typeof line['duplicates'] === 'number');
    return sum + ((lastCount?.['duplicates'] as number | undefined) ?? 0);
  }, 0);
  result.faults = ctx.faults.map((fault) => ({
    ...fault,
    ...measureRecovery(fault, ctx.apps, ctx.sampler.samples),
  }));
  const worst = (values: (number | null)[]) =>
    values.some((value) => value === null) || values.length === 0
      ? null
      : round(Math.max(...(values as number[])) / 1000);
  result.recoverSeconds = worst(result.faults.map((fault) => fault.recoverMs));
  result.catchUpSeconds = worst(result.faults.map((fault) => fault.catchUpMs));
  if (result.faults.length === 0) ctx.check('a fault was injected', false, 'none recorded');
  ctx.scenario.verify?.(ctx, result);
}

/**
 * Whether the dead-letter queue holds exactly the expected dead letters (id → reason), each
 * once with its reason, and nothing else; with the figures for the verdict.
 */
export function matchExpectedDeadLetters(
  expected: ReadonlyMap<string, string>,
  letters: readonly DeadLetter[],
): { ok: boolean; detail: string } {
  const unexpected = letters.filter((letter) => letter.id === undefined || !expected.has(letter.id));
  const wrong = [...expected].filter(
    ([id, reason]) =>
      letters.filter((letter) => letter.id === id).length !== 1 ||
      letters.find((letter) => letter.id === id)?.reason !== reason,
  );
  const found = letters.map((letter) => `${letter.id ?? '(no id)'} (${letter.reason ?? 'no reason'})`);
  return {
    ok: unexpected.length === 0 && wrong.length === 0,
    detail:
      `${letters.length} dead letters, ${unexpected.length} unexpected, ${wrong.length} of ${expected.size} expected missing, repeated or for another reason` +
      (found.length > 0 ? `: ${found.slice(0, 5).join(', ')}${found.length > 5 ? ', …' : ''}` : ''),
  };
}

interface SeededReading {
  id: string;
  temperatureF: number;
}

function seededReadings(seed: string, sensors: number, count: number): SeededReading[] {
  const simulator = createSensorSimulator({ seed, sensors, clock: () => new Date(0) });
  return Array.from({ length: count }, () => {
    const reading = simulator.next();
    return { id: reading.id, temperatureF: reading.content.temperature_f };
  });
}

/**
 * Lost: owed (confirmed) readings neither stored nor dead-lettered. Duplicated: stored ids
 * outside the seeded set, ids both stored and dead-lettered, and dead letters repeated.
 */
export function compare(
  expected: readonly SeededReading[],
  owed: number,
  rows: readonly { id: string; temperature_f: number; temperature_c: number }[],
  letters: readonly DeadLetter[],
): Pick<
  ScenarioResult,
  | 'stored'
  | 'deadLettered'
  | 'deadLetterReasons'
  | 'lost'
  | 'duplicated'
  | 'extra'
  | 'storedAndDeadLettered'
  | 'deadLetterRepeats'
  | 'mismatched'
> {
  const byId = new Map(expected.map((reading) => [reading.id, reading]));
  const stored = new Set<string>();
  let extra = 0;
  let mismatched = 0;
  for (const row of rows) {
    stored.add(row.id);
    const reading = byId.get(row.id);
    if (!reading) {
      extra++;
      continue;
    }
    if (row.temperature_f !== reading.temperatureF || row.temperature_c !== ((row.temperature_f - 32) * 5) / 9) {
      mismatched++;
    }
  }
  const deadIds = new Set<string>();
  const deadLetterReasons: Record<string, number> = {};
  let deadLetterRepeats = 0;
  let storedAndDeadLettered = 0;
  for (const letter of letters) {
    const reason = letter.reason ?? '(none)';
    deadLetterReasons[reason] = (deadLetterReasons[reason] ?? 0) + 1;
    if (letter.id === undefined) continue;
    if (deadIds.has(letter.id)) deadLetterRepeats++;
    else if (stored.has(letter.id)) storedAndDeadLettered++;
    deadIds.add(letter.id);
  }
  let lost = 0;
  for (const reading of expected.slice(0, owed)) {
    if (!stored.has(reading.id) && !deadIds.has(reading.id)) lost++;
  }
  return {
    stored: rows.length,
    deadLettered: letters.length,
    deadLetterReasons,
    lost,
    duplicated: extra + storedAndDeadLettered + deadLetterRepeats,
    extra,
    storedAndDeadLettered,
    deadLetterRepeats,
    mismatched,
  };
}

/** The seeded ids, in publish order: scenario 5 checks its killed run against a prefix of them. */
export function seededIds(seed: string, sensors: number, count: number): string[] {
  return seededReadings(seed, sensors, count).map((reading) => reading.id);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
