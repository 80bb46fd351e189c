import { PubackQueue } from '../src/sources/puback-queue';

describe('PubackQueue', () => {
  it('sends a PUBACK only once every earlier message is settled', () => {
    const sent: number[] = [];
    const queue = new PubackQueue((id) => sent.push(id));
    const first = queue.hold(1);
    const second = queue.hold(2);
    const third = queue.hold(3);
    third();
    second();
    expect(sent).toEqual([]);
    first();
    expect(sent).toEqual([1, 2, 3]);
    expect(queue.size).toBe(0);
  });

  it('sends PUBACKs in arrival order as settled in order', () => {
    const sent: number[] = [];
    const queue = new PubackQueue((id) => sent.push(id));
    const settles = [5, 6, 7].map((id) => queue.hold(id));
    settles[0]();
    expect(sent).toEqual([5]);
    settles[1]();
    expect(sent).toEqual([5, 6]);
    expect(queue.size).toBe(1);
  });

  it('sends nothing for messages held before clear', () => {
    const sent: number[] = [];
    const queue = new PubackQueue((id) => sent.push(id));
    const old = queue.hold(1);
    queue.clear();
    const fresh = queue.hold(1);
    old();
    expect(sent).toEqual([]);
    fresh();
    expect(sent).toEqual([1]);
  });
});
