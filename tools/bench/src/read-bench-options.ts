// The benchmark's flags; each also reads a BENCH_* environment variable, flags winning.
import { parseArgs } from 'node:util';
import { PIPELINE_NAMES, type PipelineName } from './define-pipelines';

interface FlagSpec {
  type: 'boolean' | 'string';
  env?: string;
  short?: string;
  /** A whole number when a number; text otherwise. */
  default?: number | string;
  /** The default of a --quick run. */
  quick?: number;
  help: string;
}

const SPEC = {
  quick: { type: 'boolean', env: 'BENCH_QUICK', help: 'a smoke run: small sizes, one repetition' },
  count: {
    type: 'string',
    env: 'BENCH_COUNT',
    default: 100_000,
    quick: 100_000,
    help: 'readings per throughput run (fewer make runs of a fraction of a second, too short to chart)',
  },
  'naive-count': {
    type: 'string',
    env: 'BENCH_NAIVE_COUNT',
    default: 5000,
    quick: 1000,
    help: 'readings per run of the naive pipeline (~500/s)',
  },
  'latency-count': {
    type: 'string',
    env: 'BENCH_LATENCY_COUNT',
    default: 10_000,
    quick: 2000,
    help: 'readings per latency run',
  },
  'latency-rate': {
    type: 'string',
    env: 'BENCH_LATENCY_RATE',
    default: 1000,
    quick: 1000,
    help: 'readings/s of the latency runs',
  },
  probes: {
    type: 'string',
    env: 'BENCH_PROBES',
    default: 3,
    quick: 1,
    help: 'single readings timed after each latency run',
  },
  reps: {
    type: 'string',
    env: 'BENCH_REPS',
    default: 3,
    quick: 1,
    help: 'repetitions (the tables show medians; 0: only --backlog/--blocked)',
  },
  retries: {
    type: 'string',
    env: 'BENCH_RETRIES',
    default: 1,
    quick: 1,
    help: 'attempts more for a run that fails (e.g. the broker went away)',
  },
  pipelines: {
    type: 'string',
    env: 'BENCH_PIPELINES',
    default: PIPELINE_NAMES.join(','),
    help: 'which pipelines, comma-separated',
  },
  backlog: { type: 'boolean', env: 'BENCH_BACKLOG', help: 'also: consumer peak RSS draining a backlog (long)' },
  'backlog-count': {
    type: 'string',
    env: 'BENCH_BACKLOG_COUNT',
    default: 1_000_000,
    quick: 100_000,
    help: 'readings in the backlog',
  },
  blocked: {
    type: 'boolean',
    env: 'BENCH_BLOCKED',
    help: 'also: publisher peak RSS while the broker blocks publishers (on a RabbitMQ node of its own)',
  },
  'blocked-seconds': {
    type: 'string',
    env: 'BENCH_BLOCKED_SECONDS',
    default: 30,
    quick: 10,
    help: 'how long the broker blocks',
  },
  'blocked-count': {
    type: 'string',
    env: 'BENCH_BLOCKED_COUNT',
    default: 200_000,
    quick: 50_000,
    help: 'readings of the blocked run',
  },
  'skip-build': { type: 'boolean', env: 'BENCH_SKIP_BUILD', help: 'use dist/ as it is' },
  page: {
    type: 'string',
    env: 'BENCH_PAGE',
    help: 'also write the report into this Markdown page as a dated section (e.g. docs/performance.md); the same command on the same day replaces its section',
  },
  out: { type: 'string', env: 'BENCH_OUT', default: 'dist/bench', help: 'where results go (a folder per run)' },
  'amqp-url': { type: 'string', env: 'BENCH_AMQP_URL', default: 'amqp://guest:guest@127.0.0.1:5672', help: 'RabbitMQ' },
  'database-url': {
    type: 'string',
    env: 'BENCH_DATABASE_URL',
    default: 'postgres://postgres@127.0.0.1:5432/postgres',
    help: 'Postgres, as a role that may create databases',
  },
  'mqtt-url': {
    type: 'string',
    env: 'BENCH_MQTT_URL',
    help: 'MQTT broker of product-mqtt (default: a Mosquitto of its own per run, with tools/mosquitto/mosquitto.conf)',
  },
  help: { type: 'boolean', short: 'h', help: 'this text' },
} as const satisfies Record<string, FlagSpec>;

type Spec = typeof SPEC;
type FlagName = keyof Spec;
type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;
type ValueOf<F> = F extends { type: 'boolean' }
  ? boolean
  : F extends { default: number }
    ? number
    : F extends { default: string }
      ? string
      : string | undefined;

/** The benchmark's settings, from its flags and BENCH_* variables: a camel-cased field per flag. */
export type BenchOptions = Omit<{ [K in FlagName as CamelCase<K>]: ValueOf<Spec[K]> }, 'pipelines'> & {
  pipelines: PipelineName[];
};

const specs = Object.entries(SPEC) as [FlagName, FlagSpec][];

/** The `--help` text: every flag with its default, its --quick default and its variable. */
export function benchUsage(): string {
  const lines = ['Usage: npm run bench -- [options]', ''];
  for (const [name, spec] of specs) {
    const value = spec.type === 'string' ? ' <value>' : '';
    const quick = spec.quick !== undefined ? `, --quick ${spec.quick}` : '';
    const defaults = spec.default === undefined ? '' : ` (default ${spec.default}${quick})`;
    lines.push(`  --${name}${value}`.padEnd(28) + `${spec.help}${defaults}${spec.env ? ` [${spec.env}]` : ''}`);
  }
  return lines.join('\n');
}

function wholeNumber(name: string, text: string | number): number {
  const value = Number(String(text).replace(/_/g, ''));
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a whole number (got "${text}")`);
  return value;
}

const isPipelineName = (name: string): name is PipelineName => (PIPELINE_NAMES as readonly string[]).includes(name);

/** Reads the flags (`argv` without node and the script) and BENCH_* variables; throws on a bad one. */
export function readBenchOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const parseSpec = Object.fromEntries(
    specs.map(([name, { type, short }]) => [name, { type, ...(short !== undefined && { short }) }]),
  );
  const { values } = parseArgs({ args: [...argv], options: parseSpec, strict: true });
  const fromEnv = (spec: FlagSpec): string | boolean | undefined => {
    const text = spec.env === undefined ? undefined : env[spec.env];
    if (text === undefined || text === '') return undefined;
    return spec.type === 'boolean' ? text === 'true' || text === '1' : text;
  };
  const quick = Boolean(values['quick'] ?? fromEnv(SPEC.quick) ?? false);
  const read: Record<string, unknown> = { quick };
  for (const [name, spec] of specs) {
    let value: string | number | boolean | undefined = values[name] ?? fromEnv(spec);
    if (value === undefined) {
      value = spec.type === 'boolean' ? false : quick && spec.quick !== undefined ? spec.quick : spec.default;
    }
    const key = name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
    read[key] =
      typeof spec.default === 'number' && value !== undefined ? wholeNumber(name, value as string | number) : value;
  }
  const pipelines = String(read['pipelines'])
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = pipelines.filter((name) => !isPipelineName(name));
  if (unknown.length > 0) {
    throw new Error(`--pipelines: unknown ${unknown.join(', ')} (known: ${PIPELINE_NAMES.join(', ')})`);
  }
  // Every field is set above from its flag's spec, which the type is derived from.
  const options = { ...read, quick, pipelines: pipelines.filter(isPipelineName) } as BenchOptions;
  if (options.count < 1) throw new Error('--count must be at least 1');
  if (options.reps < 1 && !options.backlog && !options.blocked) {
    throw new Error('--reps must be at least 1 (0 only with --backlog or --blocked, to run just those)');
  }
  return options;
}
