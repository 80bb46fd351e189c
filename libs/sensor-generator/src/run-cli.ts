import type { SensorReading } from '@sensors/sensor-model';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { InvalidGeneratorOptionError } from './errors';
import { generateSensorReadings, type GenerateSensorReadingsOptions } from './generate-sensor-readings';

const USAGE = `Usage: sensor-generator [options]

Prints random sensor readings to stdout as NDJSON, one reading per line.

Options:
  -n, --count <n>      stop after n readings (default: never)
  -s, --seed <seed>    reproduce a stream, ids included (default: random)
      --sensors <n>    number of simulated sensors (default: 10)
  -r, --rate <n>       readings per second (default: as fast as stdout takes them)
  -V, --version        print the version
  -h, --help           show this help

Example:
  sensor-generator --count 5 --seed 42 --sensors 3 --rate 10
`;

const FLAGS = {
  count: { type: 'string', short: 'n' },
  seed: { type: 'string', short: 's' },
  sensors: { type: 'string' },
  rate: { type: 'string', short: 'r' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

/** A decimal number as people type it; `Number()` alone would also take '', '0x10' and ' 5'. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

const EXIT_OK = 0;
const EXIT_WRITE_FAILED = 1;
const EXIT_USAGE = 2;

/** What {@link runCli} runs against; the entry point passes the process's own. */
export interface RunCliOptions {
  stdout: Writable;
  stderr: Writable;
  /** Printed by `--version` (the entry point reads it from the package's package.json). */
  version?: string;
  /** Ends the stream after a whole line, with exit code 0 (e.g. on SIGINT). */
  signal?: AbortSignal;
  /** For tests: see {@link GenerateSensorReadingsOptions.clock}. */
  clock?: GenerateSensorReadingsOptions['clock'];
  /** For tests: see {@link GenerateSensorReadingsOptions.sleep}. */
  sleep?: GenerateSensorReadingsOptions['sleep'];
}

/**
 * Runs the `sensor-generator` command: prints readings as NDJSON, waiting for stdout to drain
 * when it is full. Resolves to the exit code: 0 when done (also when the reader closes the pipe
 * early, as `| head -1` does), 1 when stdout fails otherwise, 2 for a bad flag or value.
 *
 * @example
 * process.exitCode = await runCli(['--count', '5', '--seed', '42'], { stdout: process.stdout, stderr: process.stderr });
 */
export async function runCli(argv: readonly string[], options: RunCliOptions): Promise<number> {
  const { stdout, stderr, version = 'unknown', ...injected } = options;
  let readings: AsyncIterable<SensorReading>;
  try {
    const { values } = parseArgs({ args: [...argv], options: FLAGS, strict: true, allowPositionals: false });
    if (values.help) {
      stdout.write(USAGE);
      return EXIT_OK;
    }
    if (values.version) {
      stdout.write(`${version}\n`);
      return EXIT_OK;
    }
    readings = generateSensorReadings({
      ...injected,
      count: toNumber('count', values.count),
      seed: values.seed,
      sensors: toNumber('sensors', values.sensors),
      rate: toNumber('rate', values.rate),
    });
  } catch (err) {
    const problem = describeUsageError(err);
    if (problem === undefined) throw err;
    stderr.write(`sensor-generator: ${problem}\nRun sensor-generator --help for usage.\n`);
    return EXIT_USAGE;
  }

  try {
    // pipeline waits for 'drain' whenever stdout is full, and reports a closed pipe as a
    // rejection rather than as an 'error' event that would crash the process.
    await pipeline(toNdjson(readings), stdout);
    return EXIT_OK;
  } catch (err) {
    // The reader has all it wanted (`| head -1`): not a failure, and no one is left to tell.
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') return EXIT_OK;
    stderr.write(`sensor-generator: cannot write to stdout: ${(err as Error).message}\n`);
    return EXIT_WRITE_FAILED;
  }
}

function toNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!DECIMAL.test(text)) throw new InvalidGeneratorOptionError(flag, text, 'a number');
  return Number(text);
}

function describeUsageError(err: unknown): string | undefined {
  if (err instanceof InvalidGeneratorOptionError) {
    return `--${err.option} must be ${err.requirement} (got ${JSON.stringify(String(err.value))})`;
  }
  // parseArgs names the flag in its own messages (unknown flag, missing value, stray argument).
  if ((err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS_')) return (err as Error).message;
  return undefined;
}

async function* toNdjson(readings: AsyncIterable<SensorReading>): AsyncGenerator<string, void, undefined> {
  for await (const reading of readings) yield `${JSON.stringify(reading)}\n`;
}
