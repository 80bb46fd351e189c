// Everything exported here is public API.
export { enrichReading, type CelsiusReading, type FahrenheitReading } from './enrich-reading';
export { enrichReadingInPlace } from './enrich-reading-in-place';
export { fahrenheitToCelsius } from './fahrenheit-to-celsius';
