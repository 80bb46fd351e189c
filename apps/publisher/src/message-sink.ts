import {
  isMessage,
  type MessageTarget,
  type OutgoingReading,
  type ReadingSink,
  type SettledReading,
} from './publish-readings';

/**
 * A {@link ReadingSink} that sends each reading as a message of its own (envelopes of one are
 * not envelopes): a reading not yet serialized is serialized here.
 */
export class MessageSink implements ReadingSink {
  constructor(private readonly target: MessageTarget & { readonly unconfirmed?: number }) {}

  /** Readings published and not yet confirmed or refused. */
  get unconfirmed(): number {
    return this.target.unconfirmed ?? 0;
  }

  whenWritable(): Promise<void> {
    return this.target.whenWritable();
  }

  isWritable(): boolean {
    return this.target.isWritable();
  }

  publish(reading: OutgoingReading, settled: SettledReading): void {
    const message = isMessage(reading) ? reading : { id: reading.id, body: JSON.stringify(reading) };
    this.target.publish(message).then(
      () => settled(message.id),
      (err: Error) => settled(message.id, err),
    );
  }
}
