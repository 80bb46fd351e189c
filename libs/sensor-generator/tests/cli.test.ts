import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '..');

describe('sensor-generator', () => {
  it("prints its package's version for --version", async () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', '@swc-node/register', join(root, 'src/cli.ts'), '--version'],
      { env: { ...process.env, SWC_NODE_PROJECT: join(root, 'tsconfig.lib.json') } },
    );
    expect(stdout).toBe(`${version}\n`);
  });
});
