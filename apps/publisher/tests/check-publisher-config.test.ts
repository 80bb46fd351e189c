import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { checkPublisherConfig } from '../src/check-publisher-config';
import { loadPublisherConfig } from '../src/config';

function run(argv: string[]) {
  const written = { out: '', err: '' };
  const output = { out: (text: string) => (written.out += text), err: (text: string) => (written.err += text) };
  return { written, code: checkPublisherConfig(loadPublisherConfig(argv, { exitOverride: true }), output) };
}

describe('checkPublisherConfig', () => {
  it('prints the settings with passwords and tokens masked, and returns 0', async () => {
    const argv = ['check-config', '--amqp-url', 'amqp://app:s3cret@rabbit:5672', '--http-token', 't0ken'];
    const { written, code } = run(argv);
    expect(await code).toBe(0);
    expect(JSON.parse(written.out)).toMatchObject({
      amqp: { urls: ['amqp://app:***@rabbit:5672'] },
      source: { http: { tokens: ['***'] } },
    });
    expect(written.out).not.toMatch(/s3cret|t0ken/);
    expect(written.err).toBe('configuration valid\n');
  });

  it('warns of each old name read, naming its replacement', async () => {
    process.env['SENSORS_MAX_IN_FLIGHT'] = '30';
    try {
      const { written, code } = run(['check-config', '--max-in-flight', '40']);
      expect(await code).toBe(0);
      expect(written.err).toContain(
        'warning: --max-in-flight (command line) is deprecated and read for this release only: rename it to --max-unconfirmed\n',
      );
      // The old flag wins over the old variable, which is read but not used: it is still named.
      expect(written.err).toContain('warning: SENSORS_MAX_IN_FLIGHT is deprecated');
    } finally {
      delete process.env['SENSORS_MAX_IN_FLIGHT'];
    }
  });

  it('returns 1 when the input file cannot be read', async () => {
    const file = join(tmpdir(), 'no-such-readings.ndjson');
    const { written, code } = run(['check-config', '--source', 'file', '--file', file]);
    expect(await code).toBe(1);
    expect(written.err).toContain(`cannot read --file ${file}: ENOENT`);
  });
});
