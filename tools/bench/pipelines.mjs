// The pipelines under test: how to start each one's consumer and publisher as processes, and
// what broker objects each declares (so that they can be deleted afterwards).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The only variables a child inherits from the caller's environment: a whitelist, so that no app
 * setting leaks in and the product runs with its defaults, whatever options it gains later.
 */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

const WORKSPACE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));

function baseEnv(extra) {
  const env = Object.fromEntries(
    INHERITED_ENV.map((name) => [name, process.env[name]]).filter(([, value]) => value !== undefined),
  );
  // The one departure from the defaults: the metrics endpoint on any free port, so that the
  // product never collides with another instance on this machine (apps without it ignore it).
  // NODE_PATH: the build may be copied outside the workspace (--out), away from its packages.
  return { ...env, NODE_PATH: WORKSPACE_MODULES, SENSORS_METRICS_PORT: '0', ...extra };
}

/**
 * @typedef {{ amqpUrl: string, databaseUrl: string, queue: string, exchange: string }} Target
 * @typedef {{ count: number, rate: number, seed: string }} PublishPlan
 * @typedef {{ command: string, args: string[], env: Record<string, string> }} Launch
 * @typedef {{
 *   name: string, description: string,
 *   migrateFirst: boolean,
 *   consumer: (target: Target) => Launch,
 *   publisher: (target: Target, plan: PublishPlan) => Launch,
 *   brokerObjects: (target: Target) => { queues: string[], exchanges: string[] },
 *   throughputOnly?: boolean,
 * }} Pipeline
 */

/**
 * @param root the workspace
 * @param buildDir where the built apps and generator are (the benchmark's own copy of dist/)
 * @param options.mqttUrl the MQTT broker of the `product-mqtt` pipeline (default: a Mosquitto of its own per run)
 * @returns {Record<string, Pipeline>}
 */
export function definePipelines(root, buildDir, { mqttUrl } = {}) {
  const node = process.execPath;
  const app = (name) => join(buildDir, 'apps', name, 'main.js');
  const reference = (name) => join(root, 'tools/bench/reference', `${name}.mjs`);
  const generator = join(buildDir, 'libs/sensor-generator/src/index.js');
  const publishArgs = ({ count, rate, seed }) => ['--count', String(count), '--rate', String(rate), '--seed', seed];
  const topologyEnv = (target, queueType) => ({
    SENSORS_AMQP_URL: target.amqpUrl,
    SENSORS_QUEUE: target.queue,
    SENSORS_EXCHANGE: target.exchange,
    ...(queueType && { SENSORS_QUEUE_TYPE: queueType }),
  });

  const product = {
    name: 'product',
    description: 'the built apps with their defaults (envelopes of 100, quorum queue, validation, confirms, batches)',
    migrateFirst: false, // the consumer migrates on start
    consumer: (target) => ({
      command: node,
      args: [app('consumer')],
      env: baseEnv({ ...topologyEnv(target), SENSORS_DATABASE_URL: target.databaseUrl }),
    }),
    publisher: (target, plan) => ({
      command: node,
      args: [app('publisher'), ...publishArgs(plan)],
      env: baseEnv(topologyEnv(target)),
    }),
    brokerObjects: ({ queue, exchange }) => ({
      queues: [queue, `${queue}.dead-letter`],
      exchanges: [exchange, `${queue}.dead-letter`],
    }),
  };

  const referencePipeline = (name, kind, queueType, description) => ({
    name,
    description,
    migrateFirst: true, // the product's own migration creates the same table
    consumer: (target) => ({
      command: node,
      args: [reference(`${kind}-consumer`)],
      env: baseEnv({
        ...topologyEnv(target, queueType),
        SENSORS_DATABASE_URL: target.databaseUrl,
        SENSOR_GENERATOR: generator,
      }),
    }),
    publisher: (target, plan) => ({
      command: node,
      args: [reference(`${kind}-publisher`), ...publishArgs(plan)],
      env: baseEnv({ ...topologyEnv(target, queueType), SENSOR_GENERATOR: generator }),
    }),
    brokerObjects: ({ queue, exchange }) => ({ queues: [queue], exchanges: [exchange] }),
  });

  const productSingle = {
    ...product,
    name: 'product-single',
    description: 'the built apps, one reading per message (SENSORS_ENVELOPE_SIZE=1), defaults otherwise',
    publisher: (target, plan) => ({
      ...product.publisher(target, plan),
      env: baseEnv({ ...topologyEnv(target), SENSORS_ENVELOPE_SIZE: '1' }),
    }),
  };

  const sourcePublisher =
    (source, extraArgs = []) =>
    (target, plan) => ({
      command: node,
      args: [
        join(root, 'tools/bench/source-publisher.mjs'),
        '--publisher',
        app('publisher'),
        '--source',
        source,
        ...publishArgs(plan),
        ...extraArgs,
      ],
      env: baseEnv({ ...topologyEnv(target), SENSOR_GENERATOR: generator }),
    });
  const productFile = {
    ...product,
    name: 'product-file',
    description: 'the built apps, the publisher reading an NDJSON file written just before (--source file)',
    throughputOnly: true, // a file is read as fast as it goes: no paced latency run
    publisher: sourcePublisher('file'),
  };
  const productMqtt = {
    ...product,
    name: 'product-mqtt',
    description: `the built apps, the publisher subscribed to ${mqttUrl ?? 'a Mosquitto of its own'} (--source mqtt), 10 sensors sending one reading per QoS 1 message`,
    publisher: sourcePublisher('mqtt', mqttUrl ? ['--mqtt-url', mqttUrl] : []),
  };

  return {
    product,
    'product-single': productSingle,
    'product-file': productFile,
    'product-mqtt': productMqtt,
    'raw-classic': referencePipeline('raw-classic', 'raw', 'classic', 'hand-written amqplib + pg, classic queue'),
    'raw-quorum': referencePipeline('raw-quorum', 'raw', 'quorum', 'hand-written amqplib + pg, quorum queue'),
    'raw-envelope': referencePipeline(
      'raw-envelope',
      'envelope',
      'quorum',
      'hand-written envelopes of 100 readings, quorum queue, batches of 5,000, no validation',
    ),
    naive: referencePipeline('naive', 'naive', 'classic', 'tutorial: no confirms, prefetch 1, save() + ack each'),
  };
}

/** The command that creates the schema in a reference pipeline's database: the product's migration. */
export function migrateLaunch(buildDir, databaseUrl) {
  return {
    command: process.execPath,
    args: [join(buildDir, 'apps/consumer/main.js'), 'migrate'],
    env: baseEnv({ SENSORS_DATABASE_URL: databaseUrl }),
  };
}
