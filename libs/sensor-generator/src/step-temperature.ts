/**
 * Absolute zero in °F. The model exports the same constant, but only the model's types may be
 * imported here, so that the built CLI runs without the model package beside it.
 */
export const ABSOLUTE_ZERO_F = -459.67;

/** Standard deviation of one step, in °F. */
const STEP_SD_F = 0.5;

/**
 * Share of the distance back to the base temperature closed at each step: small enough that
 * the walk wanders (lag-1 autocorrelation 0.98), large enough that it stays within a few
 * degrees of the base (stationary standard deviation about 2.5 °F) instead of drifting off.
 */
const REVERSION = 0.02;

/**
 * One step of a sensor's random walk: a Gaussian step pulled gently back to the sensor's base
 * temperature (a discrete Ornstein–Uhlenbeck process), never below absolute zero.
 *
 * @param previous the sensor's last temperature, in °F
 * @param base the temperature the sensor hovers around, in °F
 * @param noise a standard normal draw
 *
 * @example
 * stepTemperature(60, 50, 0); // 59.8: a fifth of a degree back toward 50
 */
export function stepTemperature(previous: number, base: number, noise: number): number {
  return Math.max(ABSOLUTE_ZERO_F, previous + REVERSION * (base - previous) + STEP_SD_F * noise);
}
