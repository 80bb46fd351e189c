export * from './lib/sensor-generator';
