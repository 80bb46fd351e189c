import { AckTracker } from '../src/ack-tracker';

async function tick(): Promise<void> {
  await Promise.resolve();
}

/** A tracker that records the tags it acks. */
function trackerWithAcks(): { acks: number[]; tracker: AckTracker } {
  const acks: number[] = [];
  return { acks, tracker: new AckTracker((tag) => acks.push(tag)) };
}

describe('AckTracker', () => {
  it('acks a settled run with its highest tag in one call', async () => {
    const { acks, tracker } = trackerWithAcks();
    [1, 2, 3].forEach((tag) => tracker.delivered(tag));
    [1, 2, 3].forEach((tag) => tracker.settle(tag));
    await tick();
    expect(acks).toEqual([3]);
    expect(tracker.unacked).toBe(0);
  });

  it('holds back tags behind an unsettled one', async () => {
    const { acks, tracker } = trackerWithAcks();
    [1, 2, 3, 4].forEach((tag) => tracker.delivered(tag));
    tracker.settle(2);
    tracker.settle(3);
    await tick();
    expect(acks).toEqual([]);
    tracker.settle(1);
    await tick();
    expect(acks).toEqual([3]);
    expect(tracker.unacked).toBe(1);
  });

  it('ignores tags it never saw or already acked', async () => {
    const { acks, tracker } = trackerWithAcks();
    tracker.delivered(1);
    tracker.settle(1);
    await tick();
    tracker.settle(1);
    tracker.settle(7);
    await tick();
    expect(acks).toEqual([1]);
  });
});
