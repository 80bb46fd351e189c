import { scenarios } from '../src/scenarios';

describe('scenarios', () => {
  it('have unique ids, the cluster ones last', () => {
    const ids = scenarios.map((scenario) => scenario.id);
    expect(new Set(ids).size).toBe(ids.length);
    const firstOnCluster = scenarios.findIndex((scenario) => scenario.cluster);
    expect(scenarios.slice(firstOnCluster).every((scenario) => scenario.cluster)).toBe(true);
  });
});
