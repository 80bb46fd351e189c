import { ABSOLUTE_ZERO_F, MAX_TEMPERATURE_F } from './sensor-reading';

/**
 * Whether a value is a temperature the declared rules of `temperature_f` accept: a number from
 * {@link ABSOLUTE_ZERO_F} to {@link MAX_TEMPERATURE_F} (NaN and the infinities fail the
 * comparisons). The compiled check lets such values skip the three rules, which cannot reuse a
 * verdict (numbers vary from reading to reading); any other value is left to the rules, which
 * stay the only judge. The tests run both on generated and edge-case values to keep it so.
 */
export function isCommonTemperature(value: unknown): boolean {
  return typeof value === 'number' && value >= ABSOLUTE_ZERO_F && value <= MAX_TEMPERATURE_F;
}
