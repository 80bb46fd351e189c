/**
 * Converts degrees Fahrenheit to degrees Celsius at full double precision (no rounding).
 *
 * @example
 * fahrenheitToCelsius(212); // 100
 */
export function fahrenheitToCelsius(fahrenheit: number): number {
  return ((fahrenheit - 32) * 5) / 9;
}
