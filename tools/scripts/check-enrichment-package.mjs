// Proves that @sensors/enrichment works for other teams. Run as the `scripts:check-packages`
// target, which builds the libraries first: packs it and @sensors/sensor-model (whose reading
// type the TypeScript check enriches), installs the tarballs into a plain Node project outside
// the workspace, and uses it there through `require`, through `import`, and from TypeScript.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
/**
 * Runs `command` in `cwd` and returns its output; throws with the output when it fails.
 * @param {string} command
 * @param {string[]} args
 * @param {string} cwd
 */
function run(command, args, cwd) {
  try {
    return execFileSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] }).toString();
  } catch (err) {
    throw new Error(`${command} ${args.join(' ')} failed:\n${/** @type {{ stdout?: Buffer }} */ (err).stdout}`, {
      cause: err,
    });
  }
}

const project = mkdtempSync(join(tmpdir(), 'enrichment-consumer-'));
try {
  const tarballs = ['sensor-model', 'enrichment'].map((lib) => {
    const out = run('npm', ['pack', '--silent', '--pack-destination', project], join(root, 'dist/libs', lib)).trim();
    return join(project, out.split('\n').at(-1) ?? out);
  });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'plain-consumer', private: true }));
  run('npm', ['install', '--silent', '--no-audit', '--no-fund', ...tarballs], project);

  const reading = `{ id: 'r1', type: 'Sensor', content: { temperature_f: 90, time_of_measurement: '2019-06-24T15:00:00' } }`;
  writeFileSync(
    join(project, 'use.cjs'),
    `const { enrichReading, fahrenheitToCelsius } = require('@sensors/enrichment');
     if (fahrenheitToCelsius(212) !== 100) throw new Error('require: wrong conversion');
     console.log('require:', enrichReading(${reading}).content.temperature_c);`,
  );
  writeFileSync(
    join(project, 'use.mjs'),
    `import { enrichReading, fahrenheitToCelsius } from '@sensors/enrichment';
     if (fahrenheitToCelsius(-40) !== -40) throw new Error('import: wrong conversion');
     console.log('import:', enrichReading(${reading}).content.temperature_c);`,
  );
  writeFileSync(
    join(project, 'use.ts'),
    `import { enrichReading } from '@sensors/enrichment';
     import type { EnrichedSensorReading } from '@sensors/sensor-model';
     const enriched: EnrichedSensorReading = enrichReading(${reading});
     const celsius: number = enriched.content.temperature_c;
     // @ts-expect-error a string is not a reading: the declarations must say so
     enrichReading('not a reading');
     export { celsius };`,
  );
  process.stdout.write(run('node', ['use.cjs'], project));
  process.stdout.write(run('node', ['use.mjs'], project));
  const tsc = join(root, 'node_modules/.bin/tsc');
  for (const [module, resolution] of [
    ['node16', 'node16'],
    ['commonjs', 'node10'],
    ['esnext', 'bundler'],
  ]) {
    run(
      tsc,
      [
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        'false',
        '--ignoreDeprecations',
        '6.0',
        '--module',
        module,
        '--moduleResolution',
        resolution,
        'use.ts',
      ],
      project,
    );
    console.log(`types: ok with module ${module}, moduleResolution ${resolution}`);
  }
  console.log(
    `@sensors/enrichment works outside the workspace (${readdirSync(project)
      .filter((f) => f.endsWith('.tgz'))
      .join(', ')}).`,
  );
} finally {
  rmSync(project, { recursive: true, force: true });
}
