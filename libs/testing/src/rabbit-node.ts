import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'amqplib';
import { asServiceUser, giveTo } from './as-service-user';
import { execCommand } from './exec-command';
import { freePort, isListening } from './free-port';
import type { Broker } from './rabbitmq';
import { waitFor, withTimeout } from './wait';

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
  /** SIGKILLs the node's Erlang VM; resolves once it is gone. */
  kill(): Promise<void>;
  /** Starts the node again on its data, after `kill()`; resolves once it takes AMQP connections. */
  start(): Promise<void>;
  /** Kills the node (nothing of it is kept, so there is nothing to shut down cleanly) and deletes its folder; idempotent. */
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
 * no plugins. Runs as the `rabbitmq` user when root, else as this user. Readiness is an AMQP
 * connection and `stop()` is a SIGKILL: no `rabbitmqctl` VM is booted for either (measured
 * figures in docs/performance.md).
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
  const extraListeners = config.flatMap((line) => {
    const match = /^listeners\.\w+\.\w+\s*=\s*(?:([\d.]+):)?(\d+)\s*$/.exec(line);
    return match ? [{ host: match[1] ?? '127.0.0.1', port: Number(match[2]) }] : [];
  });
  const pidFile = join(dir, 'beam.pid');
  // An environment of its own (`env -i`): RabbitMQ's scripts also read unprefixed names such as
  // LOGS, NODENAME or CONFIG_FILE, and the VM ERL_FLAGS, which the caller's environment may hold.
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
      '-i',
      ...commonEnv,
      join(RABBITMQ_SCRIPTS, 'rabbitmqctl'),
      '-n',
      name,
      ...args,
    ]);
    return execCommand(command, argv, timeoutMs, { cwd: root });
  };
  const beamPid = () => Number(safeRead(pidFile)) || undefined;
  const url = `amqp://guest:guest@127.0.0.1:${amqpPort}`;
  /** The `rabbitmq-server` launcher of the current run: it exits once the node's VM is gone. */
  let launcher: ChildProcess | undefined;
  let launcherExited: Promise<void> = Promise.resolve();
  let stopped = false;

  const start = async () => {
    rmSync(pidFile, { force: true });
    const out = openSync(join(dir, 'stdout.log'), 'a');
    const [command, argv] = asServiceUser('rabbitmq', 'env', [
      '-i',
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
    closeSync(out);
    launcher = child;
    launcherExited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.unref();
    // Polled over AMQP, the way tests use the node: `rabbitmqctl wait` would boot a VM of its own.
    const exitedEarly = new AbortController();
    void launcherExited.then(() => exitedEarly.abort());
    try {
      await waitFor(`RabbitMQ node ${name} to take AMQP connections`, () => acceptsAmqp(url), {
        timeoutMs: 180_000,
        intervalMs: 250,
        signal: exitedEarly.signal,
      });
      // Other listeners of `config` (e.g. `listeners.ssl.default`) open in the same boot step,
      // one after another: the node is ready once each of them listens too.
      for (const { host, port } of extraListeners) {
        await waitFor(`RabbitMQ node ${name} to listen on ${host}:${port}`, () => isListening(port, host), {
          timeoutMs: 30_000,
          intervalMs: 50,
          signal: exitedEarly.signal,
        });
      }
    } catch (err) {
      if (!exitedEarly.signal.aborted) throw err;
      const log = safeRead(join(dir, 'stdout.log')) ?? '';
      throw new Error(`RabbitMQ node ${name} exited while starting; the end of its output:\n${log.slice(-2000)}`, {
        cause: err,
      });
    }
  };

  const kill = async (): Promise<void> => {
    const running = launcher;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const pid = beamPid();
    try {
      // Before the VM wrote its pid file, its launcher's process group (the VM is in it) goes.
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
      else if (running.pid !== undefined) process.kill(-running.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    await withTimeout(`RabbitMQ node ${name} to exit`, launcherExited, 30_000);
  };

  return {
    name,
    amqpPort,
    url,
    get urls() {
      return [url];
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
      try {
        await kill();
      } finally {
        rmSync(ownBase ? root : dir, { recursive: true, force: true });
      }
    },
  };
}

/** Whether a broker takes an AMQP connection at `url` now (opened and closed again). */
async function acceptsAmqp(url: string): Promise<boolean> {
  try {
    const connection = await connect(url, { timeout: 2000 });
    connection.on('error', () => undefined);
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

function safeRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
