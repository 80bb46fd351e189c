// What the reference pipelines share with each other and with the product: the same topology
// names and environment variables, the same readings (the product's own generator, with
// `temperature_c` added as the product publisher does), and what they do alike: a publisher
// with (or without) a window of confirms, and a consumer writing `unnest` batches, acking after
// commit. Each pipeline file holds only its own choices (prefetch, window, batch size, envelopes).
import type { EnrichedSensorReading, SensorReading } from '@sensors/sensor-model';
import {
  connect,
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type ConsumeMessage,
  type Options,
} from 'amqplib';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { Client } from 'pg';

export const config = {
  amqpUrl: process.env['SENSORS_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672',
  databaseUrl: process.env['SENSORS_DATABASE_URL'],
  exchange: process.env['SENSORS_EXCHANGE'] ?? 'sensors-bench',
  queue: process.env['SENSORS_QUEUE'] ?? 'sensor-readings-bench',
  queueType: process.env['SENSORS_QUEUE_TYPE'] ?? 'classic',
};

const ROUTING_KEY = 'sensor.reading';

/** Connects to the broker, opens a channel with `open`, and declares the topology. */
export async function openChannel<C extends Channel>(
  open: (connection: ChannelModel) => Promise<C>,
): Promise<{ connection: ChannelModel; channel: C }> {
  const connection = await connect(config.amqpUrl);
  const channel = await open(connection);
  // A durable direct exchange and a durable queue of the configured type, bound; idempotent.
  await channel.assertExchange(config.exchange, 'direct', { durable: true });
  await channel.assertQueue(config.queue, { durable: true, arguments: { 'x-queue-type': config.queueType } });
  await channel.bindQueue(config.queue, config.exchange, ROUTING_KEY);
  return { connection, channel };
}

/** `reading` with `temperature_c` added, as the product's enrichment does. */
export function withCelsius(reading: SensorReading): EnrichedSensorReading {
  const enriched = reading as EnrichedSensorReading;
  enriched.content.temperature_c = ((reading.content.temperature_f - 32) * 5) / 9;
  return enriched;
}

/**
 * Publisher confirms in a sliding window of `size` messages, refilled from half empty: a
 * publish per confirm makes tiny socket writes and a wake-up per message.
 */
class ConfirmWindow {
  nacked = 0;
  private unconfirmed = 0;
  private roomFreed = () => undefined as void;

  constructor(private readonly size: number) {}

  /** Waits until there is room for one more message, and counts it unconfirmed. */
  async take(): Promise<void> {
    while (this.unconfirmed >= this.size) await new Promise<void>((resolve) => (this.roomFreed = resolve));
    this.unconfirmed++;
  }

  /** The publish callback: the broker confirmed (or nacked) one message. */
  readonly settle = (err: unknown): void => {
    this.unconfirmed--;
    if (err) this.nacked++;
    if (this.unconfirmed <= this.size / 2) this.roomFreed();
  };
}

/** A reference publisher's connection; see {@link openPublisher}. */
export interface ReferencePublisher {
  /** What to publish: `--count`, `--rate` and `--seed`. */
  plan: { count: number; rate: number; seed: string | undefined };
  /** Publishes one persistent message, waiting for room in the confirm window and on a backed-up socket. */
  send(body: Buffer, properties?: Options.Publish): Promise<void>;
  /** Waits for the last confirms, closes, and fails the process if the broker nacked anything. */
  close(): Promise<void>;
}

/**
 * Reads the plan, connects and declares the topology. With `confirmWindow`, a confirm channel
 * with at most that many messages unconfirmed; without, a plain channel and no confirms.
 */
export async function openPublisher({ confirmWindow }: { confirmWindow?: number } = {}): Promise<ReferencePublisher> {
  const { values } = parseArgs({
    options: { count: { type: 'string' }, rate: { type: 'string', default: '0' }, seed: { type: 'string' } },
  });
  const plan = { count: Number(values.count), rate: Number(values.rate), seed: values.seed };
  const window = confirmWindow === undefined ? undefined : new ConfirmWindow(confirmWindow);
  const { connection, channel } = await openChannel((c) => (window ? c.createConfirmChannel() : c.createChannel()));
  return {
    plan,
    send: async (body, properties = {}) => {
      await window?.take();
      // A confirm channel takes the callback as a fifth argument.
      const publish = channel.publish.bind(channel) as (...args: unknown[]) => boolean;
      if (!publish(config.exchange, ROUTING_KEY, body, { persistent: true, ...properties }, window?.settle)) {
        await once(channel, 'drain');
      }
    },
    close: async () => {
      if (window) {
        await (channel as ConfirmChannel).waitForConfirms().catch(() => undefined); // nacks are counted by the window
      } else {
        // Closing the channel flushes what is buffered; without confirms nothing says it arrived.
        await channel.close();
      }
      await connection.close();
      if (window && window.nacked > 0) {
        console.error(`${window.nacked} messages were nacked by the broker`);
        process.exitCode = 1;
      }
    },
  };
}

/**
 * Subscribes `handle` to the queue; on SIGTERM cancels the subscription, waits for `drain`
 * (the readings received and not yet stored), then closes the connection and `close`s the rest.
 */
export async function consumeUntilSigterm(
  { connection, channel }: { connection: ChannelModel; channel: Channel },
  handle: (message: ConsumeMessage) => void,
  drain: () => Promise<void>,
  close: () => Promise<void>,
): Promise<void> {
  const { consumerTag } = await channel.consume(config.queue, (message) => {
    if (message === null) throw new Error('the broker cancelled the subscription');
    handle(message);
  });
  process.once('SIGTERM', () => {
    void (async () => {
      await channel.cancel(consumerTag);
      await drain();
      await connection.close();
      await close();
    })();
  });
}

/** How a batch consumer reads and writes; see {@link runBatchConsumer}. */
export interface BatchConsumerOptions {
  applicationName: string;
  prefetch: number;
  batchReadings: number;
  flushIntervalMs: number;
  /** The readings a message holds. */
  readingsOf(message: ConsumeMessage): EnrichedSensorReading[];
}

/** A consumer writing through a {@link BatchWriter} until SIGTERM. */
export async function runBatchConsumer(options: BatchConsumerOptions): Promise<void> {
  const db = new Client({ connectionString: config.databaseUrl, application_name: options.applicationName });
  await db.connect();
  const broker = await openChannel((c) => c.createChannel());
  await broker.channel.prefetch(options.prefetch);
  const writer = new BatchWriter(db, broker.channel, options.batchReadings, options.flushIntervalMs);
  await consumeUntilSigterm(
    broker,
    (message) => writer.add(message, options.readingsOf(message)),
    () => writer.drain(),
    () => db.end(),
  );
}

const INSERT_READINGS = `
  INSERT INTO sensor_readings (id, sensor_type, temperature_f, temperature_c, measured_at)
  SELECT * FROM unnest($1::varchar[], $2::text[], $3::float8[], $4::float8[], $5::timestamptz[])
  ON CONFLICT (id, measured_at) DO NOTHING`;

interface Batch {
  columns: [ids: string[], types: string[], fahrenheit: number[], celsius: number[], measuredAt: string[]];
  readings: number;
  startedAt: number;
  /** The last message whose readings are in the batch: one `multiple` ack covers them all. */
  last: ConsumeMessage | undefined;
}

/**
 * Batches of readings written with one `INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING`
 * each, once `batchReadings` wait or the oldest has waited `flushIntervalMs`; one write in
 * flight; a `multiple` ack of the batch's last message after commit. No retry: a failed write
 * ends the process.
 */
export class BatchWriter {
  private readonly batches: Batch[] = [];
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Client,
    private readonly channel: Channel,
    private readonly batchReadings: number,
    private readonly flushIntervalMs: number,
  ) {}

  /** Adds the readings of `message`; a message's readings always go into one batch. */
  add(message: ConsumeMessage, readings: readonly EnrichedSensorReading[]): void {
    let batch = this.batches.at(-1);
    if (batch === undefined || batch.readings >= this.batchReadings) {
      batch = { columns: [[], [], [], [], []], readings: 0, startedAt: Date.now(), last: undefined };
      this.batches.push(batch);
    }
    const [ids, types, fahrenheit, celsius, measuredAt] = batch.columns;
    for (const reading of readings) {
      ids.push(reading.id);
      types.push(reading.type);
      fahrenheit.push(reading.content.temperature_f);
      celsius.push(reading.content.temperature_c);
      measuredAt.push(`${reading.content.time_of_measurement}Z`);
    }
    batch.readings += readings.length;
    batch.last = message;
    this.schedule();
  }

  /** Writes whatever waits, now. */
  async drain(): Promise<void> {
    while (this.writing || this.batches.length > 0) await (this.writing ?? this.startWrite());
  }

  private schedule(): void {
    const first = this.batches[0];
    if (this.writing || first === undefined) return;
    const age = Date.now() - first.startedAt;
    if (first.readings >= this.batchReadings || age >= this.flushIntervalMs) {
      void this.startWrite();
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, this.flushIntervalMs - age);
    }
  }

  private startWrite(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.batches.shift() as Batch;
    this.writing = (async () => {
      await this.db.query(INSERT_READINGS, batch.columns);
      if (batch.last) this.channel.ack(batch.last, true);
      this.writing = undefined;
      this.schedule();
    })();
    return this.writing;
  }
}
