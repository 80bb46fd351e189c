import { PublishRejectedError } from '@sensors/messaging';
import { MessageSink } from '../src/message-sink';
import { toReadingMessage, toReadingValue } from '../src/to-reading-message';
import { ManualSink, reading, settle } from './fake-sinks';

describe('MessageSink', () => {
  it('sends each reading as a message of its own, serializing one given unserialized', () => {
    const target = new ManualSink();
    const sink = new MessageSink(target);
    sink.publish(toReadingMessage(reading('a')), () => undefined);
    sink.publish(toReadingValue(reading('b')), () => undefined);
    expect(target.published).toEqual([toReadingMessage(reading('a')), toReadingMessage(reading('b'))]);
  });

  it("tells each reading's fate with its id", async () => {
    const target = new ManualSink();
    const sink = new MessageSink(target);
    const outcomes: string[] = [];
    const settled = (id: string, err?: Error) => outcomes.push(err ? `${id}: ${err.name}` : id);
    sink.publish(toReadingValue(reading('a')), settled);
    sink.publish(toReadingValue(reading('b')), settled);
    target.confirmOldest();
    target.confirmOldest(new PublishRejectedError('b', 'returned', '312 NO_ROUTE'));
    await settle();
    expect(outcomes).toEqual(['a', 'b: PublishRejectedError']);
  });

  it('is writable while its target is', () => {
    const target = new ManualSink(1);
    const sink = new MessageSink(target);
    expect(sink.isWritable()).toBe(true);
    sink.publish(toReadingValue(reading('a')), () => undefined);
    expect(sink.isWritable()).toBe(false);
  });
});
