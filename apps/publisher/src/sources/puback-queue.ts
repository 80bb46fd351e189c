/** A message taken from the MQTT broker whose PUBACK is held until its readings are confirmed. */
interface HeldMessage {
  messageId: number;
  settled: boolean;
}

/**
 * Holds the PUBACKs of one MQTT connection and releases them in the order the messages
 * arrived, each only once it and every message before it are settled (all readings confirmed
 * by RabbitMQ, or reported as invalid). MQTT requires PUBACKs in arrival order, and a message
 * acknowledged ahead of an unsettled one would be lost if the publisher died in between.
 */
export class PubackQueue {
  readonly #held: HeldMessage[] = [];
  readonly #sendPuback: (messageId: number) => void;

  /** @param sendPuback sends the PUBACK of one message on this connection. */
  constructor(sendPuback: (messageId: number) => void) {
    this.#sendPuback = sendPuback;
  }

  /** Messages taken whose PUBACK is not sent yet. */
  get size(): number {
    return this.#held.length;
  }

  /** Registers a message as it arrives; call the returned function once it is settled. */
  hold(messageId: number): () => void {
    const message: HeldMessage = { messageId, settled: false };
    this.#held.push(message);
    return () => {
      message.settled = true;
      this.#release();
    };
  }

  /** Forgets every held PUBACK (the connection is gone: the broker redelivers those messages). */
  clear(): void {
    this.#held.length = 0;
  }

  #release(): void {
    for (let head = this.#held[0]; head?.settled; head = this.#held[0]) {
      this.#held.shift();
      this.#sendPuback(head.messageId);
    }
  }
}
