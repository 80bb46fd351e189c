import { connect } from 'amqplib';
import { Client } from 'pg';
import { DEAD_LETTER_CODES } from '@sensors/sensor-model';
import { waitFor, type AppProcess } from '@sensors/testing';
import { peekDeadLetters } from './dead-letters';
import type { Scenario, ScenarioContext } from './run-scenario';
import { terminateSessions } from './sessions';

/** The consumer's default `--max-redeliveries`: the scenario runs it as shipped. */
const MAX_REDELIVERIES = 5;
/** The queue's delivery limit: past it the broker, not the consumer, would have set the message aside. */
const DELIVERY_LIMIT = 20;
const POISON_TIME = '2019-06-24T15:00:00';

/**
 * Holds an uncommitted row with the poison's key (id and time), so that any INSERT of the
 * poison waits on its row lock until released: the moment the harness recognises that a
 * consumer has taken the message.
 */
async function holdPoisonRow(ctx: ScenarioContext, id: string): Promise<() => Promise<void>> {
  const client = new Client({ connectionString: ctx.adminUrl(ctx.database), connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  const release = ctx.settings.restores.add(`roll back the poison's row in ${ctx.database}`, async () => {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end();
  });
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO sensor_readings (id, sensor_type, temperature_f, temperature_c, measured_at)
       VALUES ($1, 'Sensor', 70, 21.1, $2::timestamptz)`,
      [id, `${POISON_TIME}Z`],
    );
    return release;
  } catch (err) {
    await release();
    throw err;
  }
}

/** Publishes one valid reading straight to the scenario's exchange, confirmed and routed. */
async function publishPoison(ctx: ScenarioContext, id: string): Promise<void> {
  const connection = await connect(ctx.broker.urls[0]);
  try {
    const channel = await connection.createConfirmChannel();
    let returned = false;
    channel.on('return', () => (returned = true));
    const body = { id, type: 'Sensor', content: { temperature_f: 70, time_of_measurement: POISON_TIME } };
    channel.publish(ctx.exchange, ctx.routingKey, Buffer.from(JSON.stringify(body)), {
      messageId: id,
      contentType: 'application/json',
      persistent: true,
      mandatory: true,
    });
    await channel.waitForConfirms();
    if (returned) throw new Error(`the poison message was not routed to ${ctx.queue}`);
  } finally {
    await connection.close();
  }
}

/** Whether a consumer session waits inside its INSERT on a row lock: only the poison's row is held. */
async function holdsPoison(ctx: ScenarioContext): Promise<boolean> {
  const sessions = await ctx.consumerSessions();
  return sessions.some((s) => s.wait_event_type === 'Lock' && /^\s*INSERT INTO sensor_readings/i.test(s.query));
}

async function poisonDeadLettered(ctx: ScenarioContext, id: string): Promise<boolean> {
  const letters = await peekDeadLetters(`${ctx.queue}.dead-letter`, ctx.broker);
  return letters.some((letter) => letter.id === id);
}

/**
 * SIGKILLs the consumer, as an out-of-memory kill or a native crash would, and ends its
 * database sessions: Postgres notices a dead client only when it next writes to it, never while
 * its statement waits on a lock, and that statement holds the rows it inserted before the
 * poison's (its neighbours', which the next consumer will write again).
 */
async function killConsumer(ctx: ScenarioContext, consumer: AppProcess): Promise<void> {
  consumer.signal('SIGKILL');
  await consumer.exited;
  await waitFor(
    "the killed consumer's sessions to end",
    async () => {
      const sessions = await ctx.consumerSessions();
      await terminateSessions(
        ctx.adminUrl(),
        sessions.map((session) => session.pid),
      );
      return sessions.length === 0;
    },
    { timeoutMs: 30_000, intervalMs: 100, signal: ctx.signal },
  );
}

/**
 * A valid reading that ends the consumer each time it is taken, published straight to the
 * exchange among the seeded stream (mid-stream: good readings before and after it). Each
 * consumer that takes it is SIGKILLed and a new one started, until one sets it aside unread
 * as `repeated-crash`. Recognised without clocks: the poison's row is held locked, so whoever
 * takes it waits inside its INSERT, which `pg_stat_activity` shows.
 *
 * Afterwards the dead-letter queue must hold the poison once and nothing else (no neighbour
 * dead-lettered as `delivery-limit`), after exactly `--max-redeliveries` + 1 kills.
 */
export const poisonMessage: Scenario = {
  id: '8',
  title: 'a message that kills the consumer each time it is taken',
  scope: 'own',
  async run(ctx) {
    let consumer = (await ctx.startPipeline()).consumer;
    await ctx.waitForStored(0.2);
    const id = `poison-${ctx.queue}`;
    const release = await holdPoisonRow(ctx, id);
    ctx.expectedDeadLetters.set(id, DEAD_LETTER_CODES.repeatedCrash);
    const start = Date.now();
    let kills = 0;
    let outcome: 'holding' | 'set aside' | 'exited' | undefined;
    const held: number[] = [];
    try {
      await publishPoison(ctx, id);
      for (;;) {
        const current = consumer;
        const since = Date.now();
        outcome = await waitFor(
          'a consumer to take the poison, or to set it aside',
          async () =>
            ((await holdsPoison(ctx)) && 'holding') ||
            ((await poisonDeadLettered(ctx, id)) && 'set aside') ||
            (!current.running && 'exited'),
          { timeoutMs: 60_000 + ctx.streamMs * 3, intervalMs: 100, signal: ctx.signal },
        );
        if (outcome !== 'holding') break;
        held.push(Date.now() - since);
        await killConsumer(ctx, consumer);
        kills++;
        if (kills > DELIVERY_LIMIT) break;
        consumer = await ctx.startConsumer();
      }
    } finally {
      await release();
    }
    ctx.fault(
      'poison message',
      start,
      Date.now(),
      `${kills} consumers killed holding it, each ${held.join(', ')} ms after it was up`,
    );
    // A broker connection lost while holding the poison returns it without a kill, so it may
    // then need fewer; never more.
    const reconnected = ctx.consumerApps.some((app) => app.lines('broker connection lost, reconnecting').length > 0);
    const expectedKills = MAX_REDELIVERIES + 1;
    ctx.check(
      `the poison is set aside unread after --max-redeliveries + 1 = ${expectedKills} kills`,
      outcome === 'set aside' && (reconnected ? kills >= 1 && kills <= expectedKills : kills === expectedKills),
      `${outcome ?? 'not published'} after ${kills} kills${reconnected ? ' (a consumer lost its broker connection meanwhile)' : ''}; the last consumer ${consumer.running ? 'runs' : `exited ${String(consumer.exitResult)}`}`,
    );
  },
};
