// What validating a reading costs: parseSensorReading over JSON bytes as the consumer receives
// them, in nanoseconds per reading (the fastest and the median of --reps runs: on a shared machine the
// fastest is the cost, the median adds the neighbours' load), for three mixes: readings sharing
// their time (as a generator's batch does), each with its own time (no rule verdict reused),
// and invalid readings (the error report built).
//   node tools/bench/parse-readings.mjs [--model dist/libs/sensor-model/src] [--readings 200000] [--reps 5]
// Build first (npx nx build sensor-model, or the apps); --model points at the compiled
// src of any build of the library, e.g. an older one, to compare.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'dist/libs/sensor-model/src' },
    readings: { type: 'string', default: '200000' },
    reps: { type: 'string', default: '9' },
  },
});
const { parseSensorReading } = await import(resolve(values.model, 'index.js'));
const count = Number(values.readings);
const reps = Number(values.reps);
const start = Date.parse('2019-06-24T15:00:00Z');

const bytes = (reading) => Buffer.from(JSON.stringify(reading));
const reading = (i, time, temperature = 40 + (i % 60)) => ({
  id: `b1f6c0de-${i.toString(16).padStart(8, '0')}-4a7e-9c3b-5d2e8f1a0b7c`,
  type: 'Sensor',
  content: { temperature_f: temperature, time_of_measurement: time },
});
const mixes = {
  'shared time': Array.from({ length: count }, (_, i) => bytes(reading(i, '2019-06-24T15:00:00'))),
  'own time': Array.from({ length: count }, (_, i) =>
    bytes(reading(i, new Date(start + i * 1000).toISOString().slice(0, 19))),
  ),
  invalid: Array.from({ length: count / 10 }, (_, i) => bytes(reading(i, '2019-06-24T15:00:00', '90'))),
};

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
for (const [name, inputs] of Object.entries(mixes)) {
  const perReading = [];
  for (let rep = 0; rep < reps; rep++) {
    const began = process.hrtime.bigint();
    for (const input of inputs) {
      try {
        parseSensorReading(input);
      } catch {
        // The invalid mix: the cost of the report is what is measured.
      }
    }
    perReading.push(Number(process.hrtime.bigint() - began) / inputs.length);
  }
  const fastest = Math.min(...perReading).toFixed(0).padStart(6);
  console.log(`${name.padEnd(12)} ${fastest} ns per reading fastest, ${median(perReading).toFixed(0)} median (${inputs.length} readings, ${reps} runs)`);
}
