import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execCommand } from '@sensors/testing';

const root = join(__dirname, '../../..');

/** `--flag` → its entry, on one line, from the "Options:" part of an app's `--help`. */
async function helpEntries(app: 'publisher' | 'consumer'): Promise<Map<string, string>> {
  const help = await execCommand(process.execPath, [join(root, 'dist/apps', app, 'main.js'), '--help'], 30_000);
  const commands = help.indexOf('\nCommands:\n');
  const options = help.slice(help.indexOf('\nOptions:\n'), commands === -1 ? undefined : commands);
  const found = new Map<string, string>();
  // An option starts a line with two spaces (`-V, --version` has a short flag first); its
  // description is wrapped over the next lines.
  for (const entry of options.split(/\n(?= {2}(?:-\w, )?--)/).slice(1)) {
    const flag = /--[a-z-]+/.exec(entry)?.[0];
    if (!flag || flag === '--help' || flag === '--version') continue;
    found.set(flag, entry.replace(/\s+/g, ' '));
  }
  return found;
}

/** `--flag` → its variable: an entry ends with `env: NAME)` when it has one. */
async function helpOptions(app: 'publisher' | 'consumer'): Promise<Map<string, string | undefined>> {
  const entries = await helpEntries(app);
  return new Map([...entries].map(([flag, entry]) => [flag, /env: (\w+)\)/.exec(entry)?.[1]]));
}

/** `--flag` → its variable (`none`: undefined), from the option tables of the given Markdown files. */
function tableOptions(...files: string[]): Map<string, string | undefined> {
  const found = new Map<string, string | undefined>();
  for (const file of files) {
    for (const row of readFileSync(join(root, file), 'utf8').split('\n')) {
      const cells = /^\| (`--[^|]+)\| ([^|]+)\|/.exec(row);
      if (!cells) continue;
      const flags = [...cells[1].matchAll(/`(--[a-z-]+)`/g)].map((m) => m[1]);
      const variables = [...cells[2].matchAll(/`(\w+)`/g)].map((m) => m[1]);
      flags.forEach((flag, i) => found.set(flag, variables[i] ?? variables[0]));
    }
  }
  return found;
}

describe('the option tables of the READMEs', () => {
  it.each([
    ['publisher', 'apps/publisher/README.md'],
    ['consumer', 'apps/consumer/README.md'],
  ] as const)('list every option of `%s --help` with its variable, and no other', async (app, appReadme) => {
    const help = await helpOptions(app);
    const shared = tableOptions('README.md');
    const own = tableOptions(appReadme);
    expect(help.size).toBeGreaterThan(10);
    const rows = (map: Map<string, string | undefined>) =>
      [...map].map(([flag, variable]) => `${flag} ${variable ?? 'none'}`).sort();
    expect(rows(new Map([...shared, ...own]))).toEqual(rows(help));
  });
});

describe('--help', () => {
  it.each(['publisher', 'consumer'] as const)('gives each option of `%s` one default at most', async (app) => {
    const entries = [...(await helpEntries(app)).values()];
    expect(entries.filter((entry) => entry.split('default:').length > 2)).toEqual([]);
  });
});
