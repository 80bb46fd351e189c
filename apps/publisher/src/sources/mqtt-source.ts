import type { Duplex } from 'node:stream';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { OutgoingMessage } from '@sensors/messaging';
import { DEAD_LETTER_CODES, DEAD_LETTER_HEADERS, InvalidSensorReadingError } from '@sensors/sensor-model';
import {
  countRejection,
  publishCounted,
  type MessageTarget,
  type PublisherStats,
  type ReadingSink,
} from '../publish-readings';
import { toReadingMessage } from '../to-reading-message';
import { PubackQueue } from './puback-queue';
import { readMqttPayload } from './read-mqtt-payload';

const MAX_REASON_LENGTH = 2000;

export interface MqttSourceOptions {
  /** Brokers, tried in turn (failover); credentials may be in the URLs. */
  urls: readonly string[];
  /** Topic filters, wildcards `+` and `#` allowed; subscribed at QoS 1. */
  topics: readonly string[];
  /** Stable id: the broker keeps this client's session (and queues for it) under it. */
  clientId: string;
  protocolVersion: 4 | 5;
  /** MQTT 5 only: how long the broker keeps the session after a disconnect. */
  sessionExpirySeconds: number;
  maxPayloadBytes: number;
  /** Messages taken and not yet acked, at most (also the MQTT 5 receive maximum). */
  maxUnacked: number;
  sink: ReadingSink;
  /** Where invalid payloads go, with the reason; without it they are skipped. */
  deadLetters?: MessageTarget;
  stats: PublisherStats;
  onInvalid?: (topic: string, err: InvalidSensorReadingError) => void;
  onFailed?: (id: string, err: Error) => void;
  onConnectionChange?: (connected: boolean, err?: Error) => void;
  /** Called once the topics are subscribed (at once when the broker resumed the session). */
  onSubscribed?: (sessionPresent: boolean) => void;
}

/**
 * Takes readings from an MQTT broker and publishes them, losing none on the way: it subscribes
 * at QoS 1 with a persistent session under a stable client id, and acknowledges each MQTT
 * message (PUBACK) only after RabbitMQ has confirmed every reading it carried, in the order the
 * messages came. A publisher killed at any moment leaves the unacked messages with the
 * broker, which redelivers them; the readings' `(id, time)` key absorbs the repeats.
 */
export class MqttSource {
  readonly #options: MqttSourceOptions;
  readonly #client: MqttClient;
  #pubacks: PubackQueue;
  #waitingForRoom: (() => void) | undefined;
  #unacked = new Set<Promise<void>>();
  #closed = false;
  /** Messages the broker sent again (DUP flag): taken by an earlier connection, never acknowledged. */
  redeliveries = 0;

  constructor(options: MqttSourceOptions) {
    this.#options = options;
    const [first, ...others] = options.urls.map((url) => new URL(url));
    const clientOptions: IClientOptions = {
      clientId: options.clientId,
      clean: false,
      protocolVersion: options.protocolVersion,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      // Subscribed once per new session (below); a resumed session keeps its subscriptions.
      resubscribe: false,
      servers: [first, ...others].map((url) => ({
        host: url.hostname,
        port: Number(url.port) || (url.protocol === 'mqtts:' ? 8883 : 1883),
        protocol: url.protocol === 'mqtts:' ? 'mqtts' : 'mqtt',
      })),
      username: first.username ? decodeURIComponent(first.username) : undefined,
      password: first.password ? decodeURIComponent(first.password) : undefined,
      manualConnect: true,
      ...(options.protocolVersion === 5
        ? {
            properties: {
              sessionExpiryInterval: options.sessionExpirySeconds,
              receiveMaximum: Math.min(options.maxUnacked, 65_535),
              maximumPacketSize: options.maxPayloadBytes + 65_536,
            },
          }
        : {}),
    };
    this.#client = mqtt.connect(clientOptions);
    this.#pubacks = this.#newPubackQueue();
    this.#client.handleMessage = (packet, callback) => this.#take(packet, callback);
    this.#holdPubacks();
    this.#client.on('connect', (connack) => {
      // A new connection: PUBACKs held for the old one are void (the broker redelivers those).
      this.#pubacks = this.#newPubackQueue();
      this.#options.onConnectionChange?.(true);
      if (connack.sessionPresent) this.#options.onSubscribed?.(true);
      else this.#subscribe();
    });
    this.#client.on('close', () => {
      this.#pubacks.clear();
      this.#waitingForRoom?.();
      this.#options.onConnectionChange?.(false);
    });
    this.#client.on('error', (err) => this.#options.onConnectionChange?.(this.connected, err));
  }

  /** Whether the MQTT broker is connected. */
  get connected(): boolean {
    return this.#client.connected;
  }

  /** Messages taken whose PUBACK is not sent yet. */
  get unacked(): number {
    return this.#pubacks.size;
  }

  /** Connects (and reconnects on its own, with failover across the URLs). */
  start(): void {
    this.#client.connect();
  }

  /**
   * Stops taking messages, waits for the readings taken to be confirmed (their PUBACKs go out),
   * then disconnects. The subscriptions stay in the session, so the broker keeps queueing for
   * it while the publisher is away. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#unacked);
    // MQTT.js's graceful end waits for the socket to close, which needs its reading side to end
    // too: with a backlog the source no longer reads, it never does (the stop then took the whole
    // shutdown timeout). Once the PUBACKs and the DISCONNECT are written, the socket goes.
    const stream = this.#client.stream as Duplex | undefined;
    stream?.once('finish', () => stream.destroy());
    await this.#client.endAsync();
  }

  /** Stops at once: what was not acknowledged is redelivered to the next session. */
  async destroy(): Promise<void> {
    this.#closed = true;
    await this.#client.endAsync(true);
  }

  #subscribe(): void {
    this.#client.subscribe([...this.#options.topics], { qos: 1 }, (err, granted) => {
      const refused = granted?.filter((grant) => grant.qos > 2).map((grant) => grant.topic) ?? [];
      if (err) this.#options.onConnectionChange?.(this.connected, err);
      else if (refused.length > 0) {
        this.#options.onConnectionChange?.(this.connected, new Error(`subscription refused: ${refused.join(', ')}`));
      } else this.#options.onSubscribed?.(false);
    });
  }

  #newPubackQueue(): PubackQueue {
    const client = this.#client;
    return new PubackQueue((messageId) => {
      if (client.connected) sendPuback(client, messageId);
    });
  }

  /**
   * MQTT.js sends the PUBACK as soon as `handleMessage` calls back and handles no further packet
   * before; calling back at once and sending the PUBACK ourselves, later, lets messages be
   * processed side by side. Its own PUBACKs are dropped here.
   */
  #holdPubacks(): void {
    const client = this.#client as unknown as { _sendPacket: SendPacket };
    const send = client._sendPacket.bind(client);
    client._sendPacket = (packet, callback, ...rest) => {
      if (packet.cmd === 'puback' && !(packet as { own?: boolean }).own) {
        callback?.();
        return;
      }
      send(packet, callback, ...rest);
    };
  }

  #take(packet: IPublishPacket, callback: (err?: Error) => void): void {
    // Closing: the packet is left unhandled (and unacked), which stops MQTT.js reading more.
    if (this.#closed) return;
    if (packet.qos === 0 || packet.messageId === undefined) {
      void this.#settle(packet);
      callback();
      return;
    }
    if (packet.dup) this.redeliveries++;
    const pubacks = this.#pubacks;
    const settled = pubacks.hold(packet.messageId);
    const done = this.#settle(packet).then(settled, (err: Error) => {
      // A reading RabbitMQ did not take: drop the connection, so that the broker redelivers it.
      this.#options.onFailed?.(packet.topic, err);
      this.#client.stream?.destroy();
    });
    this.#unacked.add(done);
    void done.finally(() => {
      this.#unacked.delete(done);
      if (pubacks.size < this.#options.maxUnacked) this.#room();
    });
    // Brokers may send more than the receive maximum (Mosquitto does): hold the next packet
    // until there is room, which stops reading the socket.
    if (pubacks.size < this.#options.maxUnacked || !this.#client.connected) callback();
    else this.#waitingForRoom = callback;
  }

  #room(): void {
    const waiting = this.#waitingForRoom;
    this.#waitingForRoom = undefined;
    waiting?.();
  }

  /** Publishes every reading of a message; resolves once all are confirmed or reported invalid. */
  async #settle(packet: IPublishPacket): Promise<void> {
    const { sink, stats } = this.#options;
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    let items: unknown[];
    try {
      items = readMqttPayload(payload, this.#options.maxPayloadBytes);
    } catch (err) {
      if (!(err instanceof InvalidSensorReadingError)) throw err;
      stats.received++;
      await this.#reject(packet, payload, err);
      return;
    }
    const confirms: Promise<Error | undefined>[] = [];
    for (const item of items) {
      stats.received++;
      let message: OutgoingMessage;
      try {
        message = toReadingMessage(item);
      } catch (err) {
        // Whatever a payload makes validation throw (deep nesting overflows the stack) is the
        // payload's fault: redelivering it would fail the same way forever.
        const invalid =
          err instanceof InvalidSensorReadingError
            ? err
            : new InvalidSensorReadingError([
                { field: '(reading)', value: undefined, problem: `is unusable (${(err as Error).message})` },
              ]);
        await this.#reject(packet, payload, invalid);
        continue;
      }
      await sink.whenWritable();
      confirms.push(publishCounted(sink, stats, message));
    }
    const failure = (await Promise.all(confirms)).find((err) => err !== undefined);
    if (failure) throw failure;
  }

  async #reject(packet: IPublishPacket, body: Buffer, err: InvalidSensorReadingError): Promise<void> {
    const { deadLetters, stats } = this.#options;
    countRejection(stats, err);
    this.#options.onInvalid?.(packet.topic, err);
    if (!deadLetters) return;
    await deadLetters.whenWritable();
    stats.deadLetters++;
    await deadLetters.publish({
      id: `mqtt:${packet.topic}:${packet.messageId ?? 0}`,
      body: body.subarray(0, this.#options.maxPayloadBytes),
      headers: {
        [DEAD_LETTER_HEADERS.code]: DEAD_LETTER_CODES.invalidReading,
        [DEAD_LETTER_HEADERS.message]: `MQTT topic ${packet.topic}: ${err.message}`.slice(0, MAX_REASON_LENGTH),
        [DEAD_LETTER_HEADERS.fields]: err.fields.join(','),
        [DEAD_LETTER_HEADERS.at]: new Date().toISOString(),
      },
    });
    stats.deadLettered++;
  }
}

type SendPacket = (packet: { cmd: string }, callback?: () => void, ...rest: unknown[]) => void;

function sendPuback(client: MqttClient, messageId: number): void {
  (client as unknown as { _sendPacket: SendPacket })._sendPacket({ cmd: 'puback', messageId, own: true } as {
    cmd: string;
  });
}
