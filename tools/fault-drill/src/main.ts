import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { adminQuery, execCommand, quoteIdentifier } from '@sensors/testing';
import { formatTable } from './print-table';
import { RestoreRegistry } from './restore-registry';
import { runScenario, skippedResult, type DrillSettings, type ScenarioResult } from './run-scenario';
import { scenarios } from './scenarios';
import { DrillServices } from './services';

const ROOT = resolve(__dirname, '../../..');
const OUT = join(ROOT, 'dist/fault-drill');
const DEFAULT_SIZE = 100_000;
const CI_SIZE = 15_000;

const HELP = `Usage: npm run drill -- [options]

Runs the built publisher and consumer against a throwaway RabbitMQ node and Postgres cluster
of its own (and a throwaway 3-node RabbitMQ cluster for the c scenarios), started on free
ports in temporary folders and removed at the end; the machine's services are never touched.
Injects one fault per scenario, and prints what was confirmed, stored, dead-lettered, lost and duplicated.
Exits 1 when any scenario fails (a reading lost or doubled, the queue not drained, a check
failed), 2 when the drill itself cannot run, 130 when interrupted.

Options:
  --size <n>      readings per scenario (default ${DEFAULT_SIZE})
  --ci            CI size: ${CI_SIZE} readings per scenario (~5 min in all)
  --rate <n>      publisher readings/s (default: size / 20 s, between 200 and 5000)
  --only <ids>    comma-separated scenario ids, e.g. 1,3b,6
  --seed <s>      seed prefix (default fault-drill; scenario X uses <seed>-X)
  --sensors <n>   simulated sensors (default 10)
  --skip-build    use dist/apps as built (default: build publisher and consumer first)
  --keep          keep each scenario's database and queues for a post-mortem
  -h, --help

Scenarios:
${scenarios.map((s) => `  ${s.id.padEnd(3)} ${s.title} [${s.scope}]`).join('\n')}

Needs Debian's rabbitmq-server and postgresql packages installed (not running); as root the
servers run as the rabbitmq and postgres users. Results: dist/fault-drill/results.json;
app logs: dist/fault-drill/logs/.`;

function parseOptions() {
  const { values } = parseArgs({
    options: {
      size: { type: 'string' },
      ci: { type: 'boolean', default: false },
      rate: { type: 'string' },
      only: { type: 'string' },
      seed: { type: 'string', default: 'fault-drill' },
      sensors: { type: 'string', default: '10' },
      'skip-build': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const integer = (name: string, text: string, min: number) => {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < min)
      usage(`--${name} must be an integer of at least ${min} (got "${text}")`);
    return value;
  };
  const size = values.size !== undefined ? integer('size', values.size, 100) : values.ci ? CI_SIZE : DEFAULT_SIZE;
  const rate =
    values.rate !== undefined ? integer('rate', values.rate, 1) : Math.min(5000, Math.max(200, Math.ceil(size / 20)));
  const only = values.only?.split(',').map((id) => id.trim());
  const unknown = only?.filter((id) => !scenarios.some((s) => s.id === id)) ?? [];
  if (unknown.length > 0)
    usage(`unknown scenario ${unknown.join(', ')}; known: ${scenarios.map((s) => s.id).join(', ')}`);
  return {
    size,
    rate,
    only,
    seed: values.seed,
    sensors: integer('sensors', values.sensors, 1),
    build: !values['skip-build'],
    keep: values.keep,
    ci: values.ci,
  };
}

function usage(message: string): never {
  console.error(`drill: ${message}\n\n${HELP}`);
  process.exit(2);
}

/** Builds the apps (unless told not to) and copies them aside, so a rebuild by someone else mid-drill changes nothing. */
async function prepareApps(
  build: boolean,
): Promise<{ publisher: string; consumer: string; sha256: Record<string, string> }> {
  if (build) {
    console.log('building publisher and consumer…');
    process.env['NX_NO_CLOUD'] = 'true';
    process.env['NX_DAEMON'] = 'false';
    await execCommand(
      'npx',
      ['nx', 'run-many', '-t', 'build', '-p', 'publisher', 'consumer', '--output-style=static'],
      600_000,
    );
  }
  const sha256: Record<string, string> = {};
  const paths = { publisher: '', consumer: '' };
  for (const app of ['publisher', 'consumer'] as const) {
    const source = join(ROOT, 'dist/apps', app, 'main.js');
    const target = join(OUT, 'apps', app, 'main.js');
    mkdirSync(join(OUT, 'apps', app), { recursive: true });
    try {
      copyFileSync(source, target);
    } catch {
      throw new Error(`${source} is missing: build the apps first (or drop --skip-build)`);
    }
    sha256[app] = createHash('sha256').update(readFileSync(target)).digest('hex').slice(0, 16);
    paths[app] = target;
  }
  return { ...paths, sha256 };
}

async function main(): Promise<number> {
  const options = parseOptions();
  const restores = new RestoreRegistry();
  const services = new DrillServices();
  const interrupt = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      console.error(`\n${signal}: stopping the scenario and restoring the services (again to force)…`);
      interrupt.abort(new Error(`interrupted by ${signal}`));
      // Whatever happens to the scenario's own clean-up, the services are put back and the cluster taken down.
      void restores
        .restoreAll()
        .then((failures) => {
          for (const { name, err } of failures) console.error(`could not restore (${name}): ${err.message}`);
        })
        .finally(() =>
          services.stopAll().catch((err: Error) => console.error(`could not stop the drill's servers: ${err.message}`)),
        );
      setTimeout(() => {
        console.error('clean-up takes too long; exiting');
        process.exit(130);
      }, 90_000).unref();
    } else {
      void restores
        .restoreAll()
        .finally(() => services.stopAll())
        .finally(() => process.exit(130));
    }
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);

  const chosen = scenarios.filter((s) => !options.only || options.only.includes(s.id));
  const wallStart = Date.now();
  const results: ScenarioResult[] = [];
  const role = {
    name: `fault_drill_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`,
    password: randomBytes(12).toString('hex'),
  };
  let apps: Awaited<ReturnType<typeof prepareApps>>;
  try {
    apps = await prepareApps(options.build);
    console.log("starting the drill's own RabbitMQ node and Postgres cluster…");
    await services.start();
  } catch (err) {
    console.error(`drill: ${(err as Error).message}`);
    await services.stopAll();
    return 2;
  }
  const logDir = join(OUT, 'logs');
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  console.log(
    `fault drill: ${chosen.length} scenarios × ${options.size} readings at ${options.rate}/s (publisher ${apps.sha256['publisher']}, consumer ${apps.sha256['consumer']}); logs in ${logDir}`,
  );

  try {
    await adminQuery(`CREATE ROLE ${quoteIdentifier(role.name)} LOGIN PASSWORD '${role.password}'`, [], {
      url: services.postgres.adminUrl,
    });
    const settings: DrillSettings = {
      size: options.size,
      rate: options.rate,
      seed: options.seed,
      sensors: options.sensors,
      publisherMain: apps.publisher,
      consumerMain: apps.consumer,
      logDir,
      keep: options.keep,
      role,
      restores,
      services,
      interrupted: interrupt.signal,
    };
    const lastOnCluster = chosen.findLast((s) => s.cluster);
    let clusterFailure: string | undefined;
    for (const scenario of chosen) {
      if (interrupt.signal.aborted) break;
      if (scenario.cluster && !services.clusterIsUp && clusterFailure === undefined) {
        console.log('bringing up a throwaway 3-node RabbitMQ cluster…');
        const upStart = Date.now();
        try {
          await services.startCluster();
          console.log(`  cluster up in ${((Date.now() - upStart) / 1000).toFixed(1)} s`);
        } catch (err) {
          clusterFailure = `the cluster did not come up: ${(err as Error).message}`;
        }
      }
      console.log(`▶ ${scenario.id}. ${scenario.title}`);
      const result =
        scenario.cluster && clusterFailure !== undefined
          ? { ...skippedResult(scenario, settings, ''), skipped: undefined, error: clusterFailure }
          : await runScenario(scenario, settings);
      results.push(result);
      console.log(
        `  ${result.skipped !== undefined ? `SKIP (${result.skipped})` : result.passed ? 'PASS' : result.error ? 'ERROR' : 'FAIL'} in ${result.wallSeconds} s: stored ${result.stored}, lost ${result.lost}, duplicated ${result.duplicated}${result.error ? ` (${result.error})` : ''}`,
      );
      const failures = await restores.restoreAll();
      for (const { name, err } of failures) console.error(`could not restore (${name}): ${err.message}`);
      if (scenario === lastOnCluster) await services.stopCluster();
    }
  } finally {
    const failures = await restores.restoreAll();
    for (const { name, err } of failures) console.error(`could not restore (${name}): ${err.message}`);
    // --keep leaves the servers running for a post-mortem; their folders are printed.
    if (!options.keep) await services.stopAll();
  }

  const wallSeconds = Math.round((Date.now() - wallStart) / 100) / 10;
  const lost = results.reduce((sum, r) => sum + r.lost, 0);
  const duplicated = results.reduce((sum, r) => sum + r.duplicated, 0);
  const skipped = results.filter((r) => r.skipped !== undefined).length;
  const passed = results.length === chosen.length && results.every((r) => r.passed || r.skipped !== undefined);
  console.log(`\n${formatTable(results)}\n`);
  console.log(
    `${passed ? 'PASS' : 'FAIL'}: ${results.filter((r) => r.passed).length}/${chosen.length - skipped} scenarios passed${skipped ? ` (${skipped} skipped)` : ''}; lost ${lost}, duplicated ${duplicated}; ${wallSeconds} s`,
  );
  mkdirSync(OUT, { recursive: true });
  writeFileSync(
    join(OUT, 'results.json'),
    `${JSON.stringify(
      {
        startedAt: new Date(wallStart).toISOString(),
        wallSeconds,
        size: options.size,
        rate: options.rate,
        ci: options.ci,
        seed: options.seed,
        sensors: options.sensors,
        apps: apps.sha256,
        passed,
        lost,
        duplicated,
        interrupted: interrupt.signal.aborted,
        scenarios: results,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`results: ${join(OUT, 'results.json')}`);
  if (interrupt.signal.aborted) return 130;
  return passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`drill failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(2);
  },
);
