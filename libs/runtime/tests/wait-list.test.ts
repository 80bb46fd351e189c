import { WaitList } from '../src';

/** Lets every settled promise's callbacks run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('WaitList', () => {
  it('resolves every caller waiting at the wake, and none that waits after it', async () => {
    const waiters = new WaitList();
    const woken: string[] = [];
    void waiters.wait().then(() => woken.push('a'));
    void waiters.wait().then(() => woken.push('b'));
    waiters.wakeAll();
    void waiters.wait().then(() => woken.push('c'));
    await settle();
    expect(woken).toEqual(['a', 'b']);
    waiters.wakeAll();
    await settle();
    expect(woken).toEqual(['a', 'b', 'c']);
  });

  it('resolves until() at once when its condition already holds', async () => {
    const waiters = new WaitList();
    let done = false;
    void waiters.until(() => true).then(() => (done = true));
    await settle();
    expect(done).toBe(true);
  });

  it('checks the condition again at each wake and resolves only once it holds', async () => {
    const waiters = new WaitList();
    let room = 0;
    let checks = 0;
    let done = false;
    void waiters
      .until(() => {
        checks++;
        return room >= 2;
      })
      .then(() => (done = true));
    for (const expected of [false, true]) {
      room++;
      waiters.wakeAll();
      await settle();
      expect(done).toBe(expected);
    }
    expect(checks).toBe(3);
  });
});
