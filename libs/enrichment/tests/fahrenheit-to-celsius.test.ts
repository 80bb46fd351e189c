import { fahrenheitToCelsius } from '../src';

describe('fahrenheitToCelsius', () => {
  it('maps the fixed points of water', () => {
    expect(fahrenheitToCelsius(32)).toBe(0);
    expect(fahrenheitToCelsius(212)).toBe(100);
  });

  it('keeps full double precision', () => {
    expect(fahrenheitToCelsius(90)).toBe(32.22222222222222);
    expect(fahrenheitToCelsius(-459.67)).toBe(-273.15);
    expect(fahrenheitToCelsius(0.1)).toBe(-17.72222222222222);
  });

  it('meets Celsius at minus forty', () => {
    expect(fahrenheitToCelsius(-40)).toBe(-40);
  });
});
