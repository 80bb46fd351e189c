import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asServiceUser, giveTo, isRoot } from './as-service-user';
import { execCommand } from './exec-command';
import { freePort } from './free-port';
import { adminQuery } from './postgres';
import { waitFor } from './wait';

/** A tablespace of a test's own, on a filesystem it can fill and grow (see `addSmallTablespace`). */
export interface SmallTablespace {
  readonly name: string;
  readonly location: string;
  /** Whether its size is limited (a tmpfs, when root); otherwise nothing can fill it. */
  readonly limited: boolean;
  /** Bytes in use on its filesystem. */
  usedBytes(): number;
  /**
   * Sets its size limit, rounded up to whole pages (`mount -o remount,size=`; root only).
   * Throws when `bytes` is less than what the filesystem holds at that moment.
   */
  resize(bytes: number): Promise<void>;
  /**
   * Drops the tablespace and unmounts its filesystem; throws (and unmounts nothing) while a
   * database still has objects in it. Idempotent.
   */
  remove(): Promise<void>;
}

/** A Postgres cluster of a test's own: its port, socket folder and data, removed by `remove()`. */
export interface PostgresCluster {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication, superuser). */
  readonly adminUrl: string;
  /** `adminUrl` pointed at another database, optionally as another role. */
  urlFor(database: string, user?: { name: string; password: string }): string;
  /** Stops the server (fast shutdown: sessions are ended); the data stays. */
  stop(): Promise<void>;
  /** Starts it again on its data; resolves once it accepts queries. */
  start(): Promise<void>;
  /**
   * Creates tablespace `name` limited to `mb` megabytes: a tmpfs mount when root (a full
   * disk then fails writes with "could not extend file"); elsewhere a plain folder without a
   * limit, which `limited: false` reports so that a test can skip what needs the limit.
   */
  addSmallTablespace(name: string, mb: number): Promise<SmallTablespace>;
  /** Stops the server and deletes every folder (and unmounts tablespaces); idempotent. */
  remove(): Promise<void>;
}

/**
 * Starts a throwaway Postgres cluster (initdb into a temporary folder, a free port, its own
 * socket folder, no fsync) beside the machine's, which it never touches. Runs as the
 * `postgres` user when root. About 2–5 s.
 *
 * @example
 * const pg = await startPostgresCluster();
 * try { await pg.stop(); await pg.start(); … } finally { await pg.remove(); }
 */
export async function startPostgresCluster(
  options: {
    /** Server settings, passed as `-c name=value`, e.g. `{ ssl: 'on', ssl_cert_file: … }`; files must be readable by `postgres`. */
    settings?: Record<string, string>;
  } = {},
): Promise<PostgresCluster> {
  const bin = postgresBin();
  const root = mkdtempSync(join(tmpdir(), 'sensors-postgres-'));
  const data = join(root, 'data');
  const socketDir = join(root, 'socket');
  mkdirSync(socketDir);
  giveTo('postgres', root);
  const port = await freePort();
  const run = (command: string, args: readonly string[], timeoutMs = 120_000) => {
    const [cmd, argv] = asServiceUser('postgres', join(bin, command), args);
    return execCommand(cmd, argv, timeoutMs, { cwd: root });
  };
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const mounts = new Set<string>();
  let removed = false;

  const start = async () => {
    const settings = Object.entries(options.settings ?? {}).map(([name, value]) => ` -c ${name}=${value}`);
    const serverOptions = `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off${settings.join('')}`;
    await run('pg_ctl', [
      '-D',
      data,
      '-o',
      serverOptions,
      '-l',
      join(root, 'postgres.log'),
      '-w',
      '-t',
      '120',
      'start',
    ]);
    await waitFor(
      'the throwaway Postgres to accept queries',
      () =>
        adminQuery('SELECT 1', [], { url: adminUrl }).then(
          () => true,
          () => false,
        ),
      {
        timeoutMs: 60_000,
        intervalMs: 200,
      },
    );
  };
  const stop = async () => {
    await run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '120', 'stop']);
  };
  /** Unmounts `mount` (lazily, so a process still inside it does not stop it); whether it is gone. */
  const unmount = (mount: string): boolean => {
    try {
      execFileSync('umount', ['-l', mount]);
    } catch {
      // One that is not mounted any more is gone all the same.
      if (isMounted(mount)) return false;
    }
    mounts.delete(mount);
    return true;
  };

  const remove = async () => {
    if (removed) return;
    removed = true;
    if (existsSync(join(data, 'postmaster.pid'))) await stop().catch(() => undefined);
    // Each unmount is attempted, whatever the others did: never delete through a live mount.
    const stuck = [...mounts].filter((mount) => !unmount(mount));
    if (stuck.length === 0) rmSync(root, { recursive: true, force: true });
  };

  try {
    await run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    await start();
  } catch (err) {
    await remove();
    throw err;
  }

  return {
    port,
    adminUrl,
    urlFor: (database, user) => {
      const url = new URL(adminUrl);
      url.pathname = `/${database}`;
      if (user) {
        url.username = user.name;
        url.password = user.password;
      }
      return url.toString();
    },
    stop,
    start,
    addSmallTablespace: async (name, mb) => {
      const location = join(root, `tablespace-${name}`);
      mkdirSync(location);
      let limited = false;
      if (isRoot()) {
        execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mb}m,mode=0700`, 'tmpfs', location]);
        mounts.add(location);
        limited = true;
      }
      giveTo('postgres', location);
      const quoted = `"${name.replace(/"/g, '""')}"`;
      await adminQuery(`CREATE TABLESPACE ${quoted} LOCATION '${location}'`, [], { url: adminUrl });
      let dropped = false;
      return {
        name,
        location,
        limited,
        usedBytes: () => {
          const { blocks, bfree, bsize } = statfsSync(location);
          return (blocks - bfree) * bsize;
        },
        resize: async (bytes) => {
          if (!limited) throw new Error(`tablespace ${name} has no size limit to change (not root)`);
          await execCommand('mount', ['-o', `remount,size=${Math.ceil(bytes)}`, location], 30_000);
        },
        remove: async () => {
          if (!dropped) {
            await adminQuery(`DROP TABLESPACE IF EXISTS ${quoted}`, [], { url: adminUrl });
            dropped = true;
          }
          if (mounts.has(location) && !unmount(location)) throw new Error(`could not unmount ${location}`);
          rmSync(location, { recursive: true, force: true });
        },
      };
    },
    remove,
  };
}

function isMounted(path: string): boolean {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[1] === path);
}

/** The newest installed server's binaries (Debian: /usr/lib/postgresql/<major>/bin), or POSTGRES_BIN. */
function postgresBin(): string {
  const fromEnv = process.env['POSTGRES_BIN'];
  if (fromEnv) return fromEnv;
  const versions = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql').filter((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`))
    : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined)
    throw new Error('no Postgres server binaries in /usr/lib/postgresql: install postgresql, or set POSTGRES_BIN');
  return `/usr/lib/postgresql/${newest}/bin`;
}
