// The benchmark's flags; each also reads a BENCH_* environment variable, flags winning.
import { parseArgs } from 'node:util';

export const PIPELINE_NAMES = [
  'product',
  'product-single',
  'product-file',
  'product-mqtt',
  'raw-envelope',
  'raw-classic',
  'raw-quorum',
  'naive',
];

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
    help: 'also: publisher peak RSS while the broker blocks publishers (blocks EVERY publisher on the broker meanwhile)',
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
};

const camel = (name) => name.replace(/-(\w)/g, (_, c) => c.toUpperCase());

export function usage() {
  const lines = ['Usage: npm run bench -- [options]', ''];
  for (const [name, spec] of Object.entries(SPEC)) {
    const value = spec.type === 'string' ? ' <value>' : '';
    const defaults =
      spec.default === undefined
        ? ''
        : ` (default ${spec.default}${spec.quick !== undefined ? `, --quick ${spec.quick}` : ''})`;
    lines.push(`  --${name}${value}`.padEnd(28) + `${spec.help}${defaults}${spec.env ? ` [${spec.env}]` : ''}`);
  }
  return lines.join('\n');
}

function positiveInteger(name, text) {
  const value = Number(String(text).replace(/_/g, ''));
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a whole number (got "${text}")`);
  return value;
}

export function readOptions(argv, env = process.env) {
  const parseSpec = Object.fromEntries(
    Object.entries(SPEC).map(([name, { type, short }]) => [name, { type, ...(short && { short }) }]),
  );
  const { values } = parseArgs({ args: argv, options: parseSpec, strict: true });
  const fromEnv = (name) => {
    const text = env[SPEC[name].env];
    if (text === undefined || text === '') return undefined;
    return SPEC[name].type === 'boolean' ? text === 'true' || text === '1' : text;
  };
  const quick = values.quick ?? fromEnv('quick') ?? false;
  const options = {};
  for (const [name, spec] of Object.entries(SPEC)) {
    let value = values[name] ?? fromEnv(name);
    if (value === undefined)
      value = spec.type === 'boolean' ? false : quick && spec.quick !== undefined ? spec.quick : spec.default;
    options[camel(name)] = typeof spec.default === 'number' ? positiveInteger(name, value) : value;
  }
  options.quick = quick;
  options.pipelines = String(options.pipelines)
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = options.pipelines.filter((name) => !PIPELINE_NAMES.includes(name));
  if (unknown.length > 0)
    throw new Error(`--pipelines: unknown ${unknown.join(', ')} (known: ${PIPELINE_NAMES.join(', ')})`);
  if (options.count < 1) throw new Error('--count must be at least 1');
  if (options.reps < 1 && !options.backlog && !options.blocked) {
    throw new Error('--reps must be at least 1 (0 only with --backlog or --blocked, to run just those)');
  }
  return options;
}
