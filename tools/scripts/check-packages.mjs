// Checks what `nx release publish` would upload. Run as the `scripts:check-packages` target,
// which builds the publishable libraries (nx.json's release projects) first: packs each from
// dist/libs/<lib> as npm would, and runs publint (--strict) and @arethetypeswrong/cli over every
// tarball. Also checks that each tarball holds built files only (no TypeScript sources, tests or
// project files), its README and LICENSE, and that @sensors/enrichment installs in under 1 MB
// (types-only use of the model must not pull in the validator).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const { release } = JSON.parse(readFileSync(join(root, 'nx.json'), 'utf8'));
/** @type {string[]} */
const libs = release.projects;
/** @param {string} name */
const bin = (name) => join(root, 'node_modules/.bin', name);

/**
 * Runs `command` in `cwd` and returns its output; throws with its output when it fails.
 * @param {string} command
 * @param {string[]} args
 */
function run(command, args, cwd = root) {
  try {
    return execFileSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  } catch (err) {
    const { stdout, stderr } = /** @type {{ stdout?: Buffer, stderr?: Buffer }} */ (err);
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout}${stderr}`, { cause: err });
  }
}

for (const lib of libs) {
  if (!existsSync(join(root, 'dist/libs', lib, 'package.json')))
    throw new Error(`dist/libs/${lib} is not built: run \`npx nx run scripts:check-packages\``);
}
const folder = mkdtempSync(join(tmpdir(), 'sensors-packages-'));
/** @type {string[]} */
const failures = [];
/** @type {Map<string, string>} The packed tarball of each library, by package name. */
const tarballs = new Map();
try {
  for (const lib of libs) {
    /** @type {[{ name: string, version: string, filename: string, size: number, files: { path: string }[] }]} */
    const [pack] = JSON.parse(
      run('npm', ['pack', '--json', '--pack-destination', folder], join(root, 'dist/libs', lib)),
    );
    const tarball = join(folder, pack.filename);
    tarballs.set(pack.name, tarball);
    const files = pack.files.map((file) => file.path);
    /** @type {string[]} */
    const problems = [];
    for (const required of ['package.json', 'README.md', 'LICENSE']) {
      if (!files.includes(required)) problems.push(`${required} missing`);
    }
    const strays = files.filter((file) =>
      /(?<!\.d)\.ts$|\.test\.|(^|\/)tests?\/|project\.json|tsconfig|jest\.config/.test(file),
    );
    if (strays.length > 0) problems.push(`sources or test files packed: ${strays.join(', ')}`);
    for (const [tool, args] of /** @type {const} */ ([
      ['publint', ['run', tarball, '--strict']],
      ['attw', [tarball, '--profile', 'node16', '--format', 'ascii', '--no-emoji', '--no-color']],
    ])) {
      try {
        run(bin(tool), [...args]);
      } catch (err) {
        problems.push(`${tool}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const verdict = problems.length === 0 ? 'ok  ' : 'FAIL';
    console.log(`${verdict} ${pack.name}@${pack.version}: ${files.length} files, ${pack.size} B packed`);
    if (problems.length > 0) failures.push(`${pack.name}:\n  ${problems.join('\n  ')}`);
  }
  failures.push(...checkInstallSize('@sensors/enrichment', 1_000_000));
} finally {
  rmSync(folder, { recursive: true, force: true });
}

/**
 * Installs a packed library (with the packed workspace libraries it needs) and measures it.
 * @param {string} name
 * @param {number} limit bytes
 * @returns {string[]} the problems found
 */
function checkInstallSize(name, limit) {
  const project = join(folder, 'install');
  run('mkdir', ['-p', project]);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'size-check', private: true }));
  const needed = [name];
  /** @param {string} lib */
  const tarballOf = (lib) => {
    const tarball = tarballs.get(lib);
    if (tarball === undefined) throw new Error(`${lib} was not packed`);
    return tarball;
  };
  for (let i = 0; i < needed.length; i++) {
    /** @type {{ dependencies?: Record<string, string> }} */
    const manifest = JSON.parse(run('tar', ['-xzOf', tarballOf(needed[i]), 'package/package.json']));
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
      if (tarballs.has(dependency) && !needed.includes(dependency)) needed.push(dependency);
    }
  }
  run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', ...needed.map(tarballOf)], project);
  const bytes = Number(run('du', ['-sb', join(project, 'node_modules')]).split('\t')[0]);
  console.log(`${bytes <= limit ? 'ok  ' : 'FAIL'} ${name} installs in ${bytes} B (limit ${limit} B)`);
  return bytes <= limit ? [] : [`${name} installs in ${bytes} B, over ${limit} B: check its dependencies`];
}

if (failures.length > 0) {
  console.error(failures.join('\n'));
  process.exit(1);
}
