import { compare, seededIds } from '../src/run-scenario';

describe('compare', () => {
  const ids = seededIds('drill-test', 3, 4);
  const expected = ids.map((id, k) => ({ id, temperatureF: 50 + k }));
  const row = (k: number) => ({ id: ids[k], temperature_f: 50 + k, temperature_c: ((50 + k - 32) * 5) / 9 });

  it('counts nothing lost or duplicated when every owed reading is stored once', () => {
    const result = compare(expected, 4, [0, 1, 2, 3].map(row), []);
    expect(result).toMatchObject({ stored: 4, lost: 0, duplicated: 0, mismatched: 0 });
  });

  it('counts an owed reading neither stored nor dead-lettered as lost', () => {
    const result = compare(expected, 4, [0, 1, 3].map(row), []);
    expect(result.lost).toBe(1);
  });

  it('counts a reading both stored and dead-lettered as duplicated', () => {
    const letters = [{ id: ids[0], reason: 'invalid-reading', error: undefined }];
    const result = compare(expected, 4, [0, 1, 2, 3].map(row), letters);
    expect(result).toMatchObject({ duplicated: 1, storedAndDeadLettered: 1 });
  });
});
