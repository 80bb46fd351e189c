// What validating a reading costs: parseSensorReading over JSON bytes as the consumer receives
// them, in nanoseconds per reading, for three mixes (see measure-parse-cost.ts).
//   npx nx run bench:parse-readings -- [--model dist/libs/sensor-model/src] [--readings 200000] [--reps 9]
// Build first (npx nx build sensor-model, or the apps); --model points at the compiled src of
// any build of the library, e.g. an older one, to compare.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { measureParseCost, type ParseReading } from '../measure-parse-cost';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'dist/libs/sensor-model/src' },
      readings: { type: 'string', default: '200000' },
      reps: { type: 'string', default: '9' },
    },
  });
  const model = (await import(resolve(values.model, 'index.js'))) as { parseSensorReading: ParseReading };
  const reps = Number(values.reps);
  for (const cost of measureParseCost(model.parseSensorReading, { readings: Number(values.readings), reps })) {
    const fastest = cost.fastestNs.toFixed(0).padStart(6);
    console.log(
      `${cost.mix.padEnd(12)} ${fastest} ns per reading fastest, ${cost.medianNs.toFixed(0)} median (${cost.readings} readings, ${reps} runs)`,
    );
  }
}

void main();
