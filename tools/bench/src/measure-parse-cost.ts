/** A reading's JSON bytes in, a parsed reading out (or a throw): `parseSensorReading`'s shape. */
export type ParseReading = (input: Buffer) => unknown;

/** The cost of one mix of inputs, in nanoseconds per reading. */
export interface ParseCost {
  mix: string;
  readings: number;
  fastestNs: number;
  medianNs: number;
}

const START = Date.parse('2019-06-24T15:00:00Z');

function reading(i: number, time: string, temperature: number | string = 40 + (i % 60)) {
  return Buffer.from(
    JSON.stringify({
      id: `b1f6c0de-${i.toString(16).padStart(8, '0')}-4a7e-9c3b-5d2e8f1a0b7c`,
      type: 'Sensor',
      content: { temperature_f: temperature, time_of_measurement: time },
    }),
  );
}

/**
 * Three mixes of `count` readings' JSON bytes: sharing their time (as a generator's batch
 * does), each with its own time (no rule verdict reused), and invalid ones (a tenth as many:
 * the error report built).
 */
export function parseMixes(count: number): Record<string, Buffer[]> {
  return {
    'shared time': Array.from({ length: count }, (_, i) => reading(i, '2019-06-24T15:00:00')),
    'own time': Array.from({ length: count }, (_, i) =>
      reading(i, new Date(START + i * 1000).toISOString().slice(0, 19)),
    ),
    invalid: Array.from({ length: Math.ceil(count / 10) }, (_, i) => reading(i, '2019-06-24T15:00:00', '90')),
  };
}

const median = (list: readonly number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];

/**
 * What `parse` costs per reading over each mix, `reps` times: the fastest run is the cost on a
 * shared machine, the median adds the neighbours' load.
 */
export function measureParseCost(
  parse: ParseReading,
  { readings, reps }: { readings: number; reps: number },
): ParseCost[] {
  return Object.entries(parseMixes(readings)).map(([mix, inputs]) => {
    const perReading: number[] = [];
    for (let rep = 0; rep < reps; rep++) {
      const began = process.hrtime.bigint();
      for (const input of inputs) {
        try {
          parse(input);
        } catch {
          // The invalid mix: the cost of the report is what is measured.
        }
      }
      perReading.push(Number(process.hrtime.bigint() - began) / inputs.length);
    }
    return { mix, readings: inputs.length, fastestNs: Math.min(...perReading), medianNs: median(perReading) };
  });
}
