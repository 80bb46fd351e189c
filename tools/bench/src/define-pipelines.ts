// The pipelines under test: how to start each one's consumer and publisher as processes, and
// what broker objects each declares (so that they can be deleted afterwards).
import { join } from 'node:path';
import type { Launch } from './process-tracker';

/** The names `--pipelines` takes, in the order they run. */
export const PIPELINE_NAMES = [
  'product',
  'product-single',
  'product-file',
  'product-mqtt',
  'raw-envelope',
  'raw-classic',
  'raw-quorum',
  'naive',
] as const;

export type PipelineName = (typeof PIPELINE_NAMES)[number];

/** Where one run's pipeline sends and stores its readings. */
export interface Target {
  amqpUrl: string;
  databaseUrl: string;
  queue: string;
  exchange: string;
}

/** What one publisher process sends: `count` readings at `rate` per second (0: at once). */
export interface PublishPlan {
  count: number;
  rate: number;
  seed: string;
}

/** A pipeline under test, as processes. */
export interface Pipeline {
  name: PipelineName;
  description: string;
  /** Whether its database needs the product's migration first (the product's consumer migrates itself). */
  migrateFirst: boolean;
  /** A file is read as fast as it goes: no paced latency run. */
  throughputOnly?: boolean;
  consumer(target: Target): Launch;
  publisher(target: Target, plan: PublishPlan): Launch;
  brokerObjects(target: Target): { queues: string[]; exchanges: string[] };
}

/**
 * The only variables a child inherits from the caller's environment: a whitelist, so that no app
 * setting leaks in and the product runs with its defaults, whatever options it gains later.
 */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

/** Where the benchmark's copy of the build is. */
export interface BuildLayout {
  /** The workspace, for its node_modules (the build may be copied outside it, with --out). */
  root: string;
  /** The built apps (`apps/<name>/main.js`) and the bundled scripts (`scripts/<name>.js`). */
  buildDir: string;
}

function launch(layout: BuildLayout, script: string, args: readonly string[], env: Record<string, string>): Launch {
  return {
    script,
    args,
    inheritEnv: INHERITED_ENV,
    // The one departure from the defaults: the metrics endpoint on any free port, so that the
    // product never collides with another instance on this machine (apps without it ignore it).
    env: { NODE_PATH: join(layout.root, 'node_modules'), SENSORS_METRICS_PORT: '0', ...env },
  };
}

/** The path of a bundled script (a reference pipeline's process, the source publisher). */
export function scriptPath(buildDir: string, name: string): string {
  return join(buildDir, 'scripts', `${name}.js`);
}

/**
 * Every pipeline, by name.
 *
 * @param options.mqttUrl the MQTT broker of the `product-mqtt` pipeline (default: a Mosquitto of its own per run)
 */
export function definePipelines(
  layout: BuildLayout,
  { mqttUrl }: { mqttUrl?: string } = {},
): Record<PipelineName, Pipeline> {
  const app = (name: string) => join(layout.buildDir, 'apps', name, 'main.js');
  const script = (name: string) => scriptPath(layout.buildDir, name);
  const publishArgs = ({ count, rate, seed }: PublishPlan) => [
    '--count',
    String(count),
    '--rate',
    String(rate),
    '--seed',
    seed,
  ];
  const topologyEnv = (target: Target, queueType?: string): Record<string, string> => ({
    SENSORS_AMQP_URL: target.amqpUrl,
    SENSORS_QUEUE: target.queue,
    SENSORS_EXCHANGE: target.exchange,
    ...(queueType && { SENSORS_QUEUE_TYPE: queueType }),
  });

  const product: Pipeline = {
    name: 'product',
    description: 'the built apps with their defaults (envelopes of 100, quorum queue, validation, confirms, batches)',
    migrateFirst: false,
    consumer: (target) =>
      launch(layout, app('consumer'), [], { ...topologyEnv(target), SENSORS_DATABASE_URL: target.databaseUrl }),
    publisher: (target, plan) => launch(layout, app('publisher'), publishArgs(plan), topologyEnv(target)),
    brokerObjects: ({ queue, exchange }) => ({
      queues: [queue, `${queue}.dead-letter`],
      exchanges: [exchange, `${queue}.dead-letter`],
    }),
  };

  const reference = (name: PipelineName, kind: string, queueType: string, description: string): Pipeline => ({
    name,
    description,
    migrateFirst: true, // the product's own migration creates the same table
    consumer: (target) =>
      launch(layout, script(`${kind}-consumer`), [], {
        ...topologyEnv(target, queueType),
        SENSORS_DATABASE_URL: target.databaseUrl,
      }),
    publisher: (target, plan) =>
      launch(layout, script(`${kind}-publisher`), publishArgs(plan), topologyEnv(target, queueType)),
    brokerObjects: ({ queue, exchange }) => ({ queues: [queue], exchanges: [exchange] }),
  });

  const fromSource =
    (source: 'file' | 'mqtt', extraArgs: string[] = []) =>
    (target: Target, plan: PublishPlan) =>
      launch(
        layout,
        script('source-publisher'),
        ['--publisher', app('publisher'), '--source', source, ...publishArgs(plan), ...extraArgs],
        topologyEnv(target),
      );

  return {
    product,
    'product-single': {
      ...product,
      name: 'product-single',
      description: 'the built apps, one reading per message (SENSORS_ENVELOPE_SIZE=1), defaults otherwise',
      publisher: (target, plan) =>
        launch(layout, app('publisher'), publishArgs(plan), { ...topologyEnv(target), SENSORS_ENVELOPE_SIZE: '1' }),
    },
    'product-file': {
      ...product,
      name: 'product-file',
      description: 'the built apps, the publisher reading an NDJSON file written just before (--source file)',
      throughputOnly: true,
      publisher: fromSource('file'),
    },
    'product-mqtt': {
      ...product,
      name: 'product-mqtt',
      description: `the built apps, the publisher subscribed to ${mqttUrl ?? 'a Mosquitto of its own'} (--source mqtt), 10 sensors sending one reading per QoS 1 message`,
      publisher: fromSource(
        'mqtt',
        mqttUrl ? ['--mqtt-url', mqttUrl] : ['--mosquitto-config', join(layout.root, 'tools/mosquitto/mosquitto.conf')],
      ),
    },
    'raw-envelope': reference(
      'raw-envelope',
      'envelope',
      'quorum',
      'hand-written envelopes of 100 readings, quorum queue, batches of 5,000, no validation',
    ),
    'raw-classic': reference('raw-classic', 'raw', 'classic', 'hand-written amqplib + pg, classic queue'),
    'raw-quorum': reference('raw-quorum', 'raw', 'quorum', 'hand-written amqplib + pg, quorum queue'),
    naive: reference('naive', 'naive', 'classic', 'tutorial: no confirms, prefetch 1, save() + ack each'),
  };
}

/** The command that creates the schema in a reference pipeline's database: the product's migration. */
export function migrateLaunch(layout: BuildLayout, databaseUrl: string): Launch {
  return launch(layout, join(layout.buildDir, 'apps/consumer/main.js'), ['migrate'], {
    SENSORS_DATABASE_URL: databaseUrl,
  });
}
