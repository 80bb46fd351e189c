// Everything exported here is public API.
export { enrichReading } from './enrich-reading';
export { fahrenheitToCelsius } from './fahrenheit-to-celsius';
