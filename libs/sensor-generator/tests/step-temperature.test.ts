import { ABSOLUTE_ZERO_F as MODEL_ABSOLUTE_ZERO_F } from '@sensors/sensor-model';
import { ABSOLUTE_ZERO_F, stepTemperature } from '../src/step-temperature';

describe('stepTemperature', () => {
  it('stays put at the base temperature without noise', () => {
    expect(stepTemperature(50, 50, 0)).toBe(50);
  });

  it('pulls a sensor away from its base gently back toward it', () => {
    expect(stepTemperature(60, 50, 0)).toBeCloseTo(59.8, 10);
    expect(stepTemperature(40, 50, 0)).toBeCloseTo(40.2, 10);
  });

  it('scales the noise to a step of half a degree per standard deviation', () => {
    expect(stepTemperature(50, 50, 1)).toBeCloseTo(50.5, 10);
    expect(stepTemperature(50, 50, -2)).toBeCloseTo(49, 10);
  });

  it('never goes below absolute zero', () => {
    expect(stepTemperature(-459, 50, -1e6)).toBe(-459.67);
  });

  it('uses the same absolute zero as the model', () => {
    expect(ABSOLUTE_ZERO_F).toBe(MODEL_ABSOLUTE_ZERO_F);
  });
});
