import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * Runs `promtool check metrics` (Debian's prometheus package) on a scrape and resolves to its
 * complaints: empty when the metrics follow Prometheus's rules.
 */
export async function promtoolComplaints(text: string): Promise<string> {
  const child = execFileAsync('promtool', ['check', 'metrics']);
  child.child.stdin?.end(text);
  try {
    const { stdout, stderr } = await child;
    return stdout + stderr;
  } catch (err) {
    const { stdout, stderr, code } = err as { stdout: string; stderr: string; code: number | string };
    if (code === 'ENOENT') {
      throw new Error('promtool is missing: install Debian\'s "prometheus" package', { cause: err });
    }
    return `${stdout}${stderr}` || `promtool exited ${code}`;
  }
}
