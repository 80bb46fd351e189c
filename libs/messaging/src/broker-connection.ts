import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { connect, type ChannelModel } from 'amqplib';
import { RETRY_DELAYS, backoffDelay, redactUrl, type BackoffOptions } from '@sensors/runtime';
import { brokerRefusal, type BrokerRefusal } from './broker-refusal';

/** Something that opens its channels on each new connection: a publisher or a consumer. */
export interface BrokerClient {
  /** Called on every (re)connect; it declares what it needs and subscribes. */
  attach(connection: ChannelModel): Promise<void>;
  /** Called when the connection is gone; its channels are unusable from now on. */
  detach(): void;
}

export interface BrokerConnectionOptions {
  /** One URL per broker node; the connection moves to the next one when a node fails. */
  urls: readonly string[];
  /** Shown in the broker's management UI and `rabbitmqctl list_connections`. */
  connectionName: string;
  /** Heartbeat interval, so that a dead peer is noticed in seconds, not minutes (default 10). */
  heartbeatSeconds?: number;
  /** Delays between connection attempts (default `RETRY_DELAYS.reconnect`). */
  backoff?: BackoffOptions;
}

/** Events emitted by {@link BrokerConnection}; URLs in them carry no password. */
export interface BrokerConnectionEvents {
  connected: [{ url: string }];
  disconnected: [{ url: string; err?: Error }];
  'connect-failed': [{ url: string; err: Error; retryInMs: number }];
  'attach-failed': [{ url: string; err: Error }];
  /**
   * Before the first connection, the broker refused what retrying cannot fix (credentials,
   * virtual host, permissions): the connection stops trying, and the app should stop.
   */
  'gave-up': [{ url: string; err: Error } & BrokerRefusal];
  blocked: [{ reason: string }];
  unblocked: [];
}

/** How long a connection must have lived for the next reconnect to start from the shortest delay. */
const HEALTHY_AFTER_MS = 5_000;

/**
 * A connection to RabbitMQ that does not give up once it has worked: it connects (trying each
 * URL in turn with capped exponential backoff), lets every registered client attach its
 * channels, and on loss detaches them and starts again, until {@link BrokerConnection.close}
 * is called. Before its first connection it stops at a refusal retrying cannot fix (see
 * {@link brokerRefusal}) and emits `gave-up`; later, a refusal (a password being rotated) is
 * retried like any loss.
 */
export class BrokerConnection extends EventEmitter<BrokerConnectionEvents> {
  private readonly clients: BrokerClient[] = [];
  private readonly stopping = new AbortController();
  private current: ChannelModel | undefined;
  private loop: Promise<void> | undefined;
  private connects = 0;
  private isBlocked = false;

  constructor(private readonly options: BrokerConnectionOptions) {
    super();
    if (options.urls.length === 0) throw new RangeError('BrokerConnection needs at least one URL');
  }

  /** Whether a connection is open and every client attached to it. */
  get connected(): boolean {
    return this.current !== undefined;
  }

  /** Whether the broker has blocked publishing on the current connection (memory or disk alarm). */
  get blocked(): boolean {
    return this.connected && this.isBlocked;
  }

  /** Connections made after the first one, i.e. recoveries from a loss. */
  get reconnects(): number {
    return Math.max(0, this.connects - 1);
  }

  /** Registers a client; it is attached on the next connect (or now, when already connected). */
  register(client: BrokerClient): void {
    this.clients.push(client);
    if (this.current) void this.attachOrRecycle(this.current, [client], '(current)');
  }

  /** Starts connecting in the background; returns at once. */
  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Drops the current connection so that a fresh one is made, e.g. after a channel was closed
   * by the broker. Unconfirmed and unacked messages are handled by the clients' `detach`.
   */
  recycle(): void {
    void this.current?.close().catch(() => undefined);
  }

  /** Closes the connection and stops reconnecting. Idempotent. */
  async close(): Promise<void> {
    this.stopping.abort();
    const connection = this.current;
    if (connection) await connection.close().catch(() => undefined);
    await this.loop;
  }

  private async run(): Promise<void> {
    const { urls } = this.options;
    let attempt = 0;
    for (let index = 0; !this.stopping.signal.aborted; index = (index + 1) % urls.length) {
      const url = urls[index];
      const shown = redactUrl(url);
      let connection: ChannelModel | undefined;
      try {
        // Without noDelay, Nagle's algorithm holds small frames (a lone envelope, a confirm)
        // back until the previous one is acknowledged by TCP: tens of milliseconds each.
        connection = await connect(this.withHeartbeat(url), {
          noDelay: true,
          clientProperties: { connection_name: this.options.connectionName },
        });
      } catch (err) {
        if (this.gaveUp(shown, err)) return;
        const retryInMs = backoffDelay(attempt++, this.options.backoff ?? RETRY_DELAYS.reconnect);
        this.emit('connect-failed', { url: shown, err: err as Error, retryInMs });
        await this.backOff(retryInMs);
        continue;
      }
      const openedAt = Date.now();
      const lost = this.watch(connection);
      // close() may come while this connection opens or its clients attach, before it is
      // `current`: it is closed then, else the loop would wait on it for good.
      const opened = connection;
      const closeOnStop = () => void opened.close().catch(() => undefined);
      if (this.stopping.signal.aborted) closeOnStop();
      else this.stopping.signal.addEventListener('abort', closeOnStop, { once: true });
      void lost.then(() => this.stopping.signal.removeEventListener('abort', closeOnStop));
      const attached = await this.attachOrRecycle(connection, this.clients, shown);
      if (attached === true) {
        this.current = connection;
        this.isBlocked = false;
        this.connects++;
        this.emit('connected', { url: shown });
      }
      const err = await lost;
      this.current = undefined;
      for (const client of this.clients) client.detach();
      if (this.stopping.signal.aborted) return;
      if (attached !== true && this.gaveUp(shown, attached)) return;
      this.emit('disconnected', { url: shown, err });
      if (Date.now() - openedAt > HEALTHY_AFTER_MS) attempt = 0;
      await this.backOff(backoffDelay(attempt++, this.options.backoff ?? RETRY_DELAYS.reconnect));
    }
  }

  /** Waits `ms` before the next attempt, or less: close() ends the wait, and the loop then sees it is stopping. */
  private async backOff(ms: number): Promise<void> {
    const { signal } = this.stopping;
    await delay(ms, undefined, { signal }).catch((err: unknown) => {
      if (!signal.aborted) throw err;
    });
  }

  /** Resolves when the connection closes, with the error that closed it, if any. */
  private watch(connection: ChannelModel): Promise<Error | undefined> {
    let failure: Error | undefined;
    connection.on('error', (err: Error) => (failure = err));
    connection.on('blocked', (reason: string) => {
      this.isBlocked = true;
      this.emit('blocked', { reason });
    });
    connection.on('unblocked', () => {
      this.isBlocked = false;
      this.emit('unblocked');
    });
    return new Promise((resolve) => connection.once('close', (err?: Error) => resolve(err ?? failure)));
  }

  /** Whether `err` ends the connection for good: a refusal before any connection succeeded. */
  private gaveUp(url: string, err: unknown): boolean {
    const refusal = this.connects === 0 ? brokerRefusal(err) : undefined;
    if (refusal === undefined) return false;
    this.emit('gave-up', { url, err: err as Error, ...refusal });
    return true;
  }

  /** Resolves `true` once every client attached, else with the error (the connection is then closed). */
  private async attachOrRecycle(
    connection: ChannelModel,
    clients: readonly BrokerClient[],
    url: string,
  ): Promise<true | Error> {
    try {
      for (const client of clients) await client.attach(connection);
      return true;
    } catch (err) {
      // A client that cannot attach (e.g. the topology was declared with other arguments)
      // gets a fresh start on a new connection after the backoff. One that failed because
      // close() closed the connection under it has nothing to report.
      if (!this.stopping.signal.aborted) this.emit('attach-failed', { url, err: err as Error });
      await connection.close().catch(() => undefined);
      return err as Error;
    }
  }

  private withHeartbeat(url: string): string {
    const parsed = new URL(url);
    if (!parsed.searchParams.has('heartbeat')) {
      parsed.searchParams.set('heartbeat', String(this.options.heartbeatSeconds ?? 10));
    }
    return parsed.toString();
  }
}
