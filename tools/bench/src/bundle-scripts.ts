import { build } from 'esbuild';
import { join } from 'node:path';

/** The scripts the benchmark runs as processes of their own, besides the product's apps. */
export const SCRIPTS = [
  'reference/naive-publisher',
  'reference/naive-consumer',
  'reference/raw-publisher',
  'reference/raw-consumer',
  'reference/envelope-publisher',
  'reference/envelope-consumer',
  'source-publisher',
] as const;

/**
 * Bundles the benchmark's own process scripts into `<buildDir>/scripts/<name>.js`, plain
 * CommonJS with the workspace's libraries inlined and packages left to node_modules, so that
 * a reference pipeline's CPU and start-up are its own, not a TypeScript loader's.
 */
export async function bundleScripts(buildDir: string): Promise<void> {
  const sources = join(__dirname);
  await build({
    entryPoints: Object.fromEntries(
      SCRIPTS.map((name) => [name.replace(/^reference\//, ''), join(sources, `${name}.ts`)]),
    ),
    outdir: join(buildDir, 'scripts'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    tsconfig: join(sources, '../tsconfig.json'),
    sourcemap: true,
    logLevel: 'warning',
  });
}
