/** The error `action` throws; fails the test when it throws none. */
export function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error, but none was thrown');
}
