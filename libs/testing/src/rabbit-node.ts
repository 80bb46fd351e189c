import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asServiceUser, giveTo } from './as-service-user';
import { execCommand } from './exec-command';
import { freePort } from './free-port';
import type { Broker } from './rabbitmq';

/** Debian's real scripts: the /usr/sbin wrappers would write the system node's logs. */
const RABBITMQ_SCRIPTS = process.env['RABBITMQ_SCRIPTS'] ?? '/usr/lib/rabbitmq/bin';

/** A RabbitMQ node of a test's own: its ports, data and logs, removed by `stop()`. */
export interface RabbitNode extends Broker {
  /** Erlang node name, e.g. `sensors_t1a2b@localhost`. */
  readonly name: string;
  readonly amqpPort: number;
  /** `amqp://guest:guest@127.0.0.1:<amqpPort>` */
  readonly url: string;
  /** Stops the RabbitMQ application (clients see a clean broker shutdown); the Erlang VM stays. */
  stopApp(): Promise<void>;
  startApp(): Promise<void>;
  /** SIGKILLs the node's Erlang VM. */
  kill(): Promise<void>;
  /** Starts the node again on its data, after `kill()`; resolves once it runs. */
  start(): Promise<void>;
  /** Stops the node and deletes its folder; idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startRabbitNode}. */
export interface StartRabbitNodeOptions {
  /** The folder that holds the cookie and the node's data (default: a new temporary folder). */
  base?: string;
  /** Name prefix; a random suffix makes it unique. */
  prefix?: string;
  /** Extra `rabbitmq.conf` lines. */
  config?: readonly string[];
}

/**
 * Starts a throwaway RabbitMQ node beside the machine's (never touched): free AMQP and
 * distribution ports, its own nodename, cookie, RABBITMQ_MNESIA_BASE and RABBITMQ_LOG_BASE,
 * no plugins. Runs as the `rabbitmq` user when root, else as this user. About 10–20 s.
 *
 * @example
 * const node = await startRabbitNode();
 * try { await node.stopApp(); … } finally { await node.stop(); }
 */
export async function startRabbitNode(options: StartRabbitNodeOptions = {}): Promise<RabbitNode> {
  const node = await prepareRabbitNode(options);
  try {
    await node.start();
  } catch (err) {
    await node.stop();
    throw err;
  }
  return node;
}

/** Lays out a node's folder without starting it (a cluster starts its nodes in parallel). */
export async function prepareRabbitNode({
  base,
  prefix = 'sensors_t',
  config = [],
}: StartRabbitNodeOptions = {}): Promise<RabbitNode> {
  const ownBase = base === undefined;
  const root = base ?? mkdtempSync(join(tmpdir(), 'sensors-rabbit-'));
  const home = join(root, 'home');
  const cookieFile = join(home, '.erlang.cookie');
  if (ownBase || !safeRead(cookieFile)) {
    mkdirSync(home, { recursive: true });
    writeFileSync(cookieFile, randomBytes(18).toString('hex'), { mode: 0o400 });
  }
  writeFileSync(join(root, 'rabbitmq-env.conf'), '');
  const cookie = readFileSync(cookieFile, 'utf8');
  const shortName = `${prefix}${randomBytes(3).toString('hex')}`;
  const name = `${shortName}@localhost`;
  const [amqpPort, distPort] = [await freePort(), await freePort()];
  const dir = join(root, shortName);
  mkdirSync(join(dir, 'mnesia'), { recursive: true });
  mkdirSync(join(dir, 'log'), { recursive: true });
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  writeFileSync(join(dir, 'advanced.config'), '[].\n');
  writeFileSync(
    join(dir, 'rabbitmq.conf'),
    [`listeners.tcp.default = 127.0.0.1:${amqpPort}`, 'log.console = false', 'loopback_users = none', ...config]
      .map((line) => `${line}\n`)
      .join(''),
  );
  giveTo('rabbitmq', root);
  const pidFile = join(dir, 'beam.pid');
  // HOME after runuser, which resets it: the CLI then reads this node's cookie, not the system's.
  const commonEnv = [
    'PATH=/usr/bin:/bin',
    'LC_ALL=C.UTF-8',
    'LANG=C.UTF-8',
    `HOME=${home}`,
    `RABBITMQ_CONF_ENV_FILE=${join(root, 'rabbitmq-env.conf')}`,
  ];
  const ctl = (args: readonly string[], timeoutMs = 60_000) => {
    const [command, argv] = asServiceUser('rabbitmq', 'env', [
      ...commonEnv,
      join(RABBITMQ_SCRIPTS, 'rabbitmqctl'),
      '-n',
      name,
      ...args,
    ]);
    return execCommand(command, argv, timeoutMs, { cwd: root });
  };
  const beamPid = () => Number(safeRead(pidFile)) || undefined;
  let stopped = false;

  const start = async () => {
    rmSync(pidFile, { force: true });
    const out = openSync(join(dir, 'stdout.log'), 'a');
    const [command, argv] = asServiceUser('rabbitmq', 'env', [
      ...commonEnv,
      `RABBITMQ_NODENAME=${name}`,
      'RABBITMQ_NODE_IP_ADDRESS=127.0.0.1',
      `RABBITMQ_NODE_PORT=${amqpPort}`,
      `RABBITMQ_DIST_PORT=${distPort}`,
      `RABBITMQ_MNESIA_BASE=${join(dir, 'mnesia')}`,
      `RABBITMQ_LOG_BASE=${join(dir, 'log')}`,
      `RABBITMQ_PID_FILE=${pidFile}`,
      `RABBITMQ_CONFIG_FILE=${join(dir, 'rabbitmq.conf')}`,
      `RABBITMQ_ADVANCED_CONFIG_FILE=${join(dir, 'advanced.config')}`,
      `RABBITMQ_ENABLED_PLUGINS_FILE=${join(dir, 'enabled_plugins')}`,
      `RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-setcookie ${cookie} -kernel inet_dist_use_interface {127,0,0,1}`,
      join(RABBITMQ_SCRIPTS, 'rabbitmq-server'),
    ]);
    const child = spawn(command, argv, { cwd: root, detached: true, stdio: ['ignore', out, out] });
    child.unref();
    closeSync(out);
    // `wait PIDFILE` polls until the node runs; `await_startup` would fail before epmd knows it.
    await ctl(['-q', 'wait', pidFile, '--timeout', '180'], 200_000);
  };

  const kill = (): Promise<void> => {
    const pid = beamPid();
    try {
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    return Promise.resolve();
  };

  return {
    name,
    amqpPort,
    url: `amqp://guest:guest@127.0.0.1:${amqpPort}`,
    get urls() {
      return [`amqp://guest:guest@127.0.0.1:${amqpPort}`];
    },
    ctl,
    stopApp: async () => {
      await ctl(['-q', 'stop_app'], 120_000);
    },
    startApp: async () => {
      await ctl(['-q', 'start_app'], 120_000);
    },
    kill,
    start,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      const pid = beamPid();
      if (pid !== undefined) {
        await ctl(['-q', 'stop', pidFile], 60_000).catch(() => undefined);
        await kill();
      }
      rmSync(ownBase ? root : dir, { recursive: true, force: true });
    },
  };
}

function safeRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
