import { parseSensorReading } from '@sensors/sensor-model';
import { Writable } from 'node:stream';
import { runCli } from '../src/run-cli';

const FIXED_CLOCK = () => new Date('2019-06-24T15:00:00.000Z');

/** A stdout or stderr that keeps what is written; `fail` turns the n-th write into an error. */
class Capture extends Writable {
  text = '';
  writes = 0;
  mostBuffered = 0;

  constructor(
    private readonly options: { highWaterMark?: number; slow?: boolean; fail?: { at: number; code: string } } = {},
  ) {
    super({ highWaterMark: options.highWaterMark, decodeStrings: false });
  }

  get lines(): string[] {
    return this.text.split('\n').filter((line) => line !== '');
  }

  override _write(chunk: string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.mostBuffered = Math.max(this.mostBuffered, this.writableLength);
    const { fail, slow } = this.options;
    if (fail && ++this.writes >= fail.at) {
      callback(Object.assign(new Error(`write ${fail.code}`), { code: fail.code }));
      return;
    }
    this.text += chunk;
    if (slow) setImmediate(callback);
    else callback();
  }
}

async function run(argv: string[], stdout = new Capture()) {
  const stderr = new Capture();
  const code = await runCli(argv, { stdout, stderr, clock: FIXED_CLOCK });
  return { code, stdout, stderr };
}

describe('runCli', () => {
  it('prints count lines of valid NDJSON readings', async () => {
    const { code, stdout, stderr } = await run(['--count', '5', '--sensors', '3']);
    expect(code).toBe(0);
    expect(stderr.text).toBe('');
    expect(stdout.text.endsWith('\n')).toBe(true);
    expect(stdout.lines).toHaveLength(5);
    for (const line of stdout.lines) expect(parseSensorReading(line).type).toBe('Sensor');
  });

  it('prints the same lines for the same --seed', async () => {
    const first = await run(['--count', '20', '--seed', '42']);
    const second = await run(['-n', '20', '-s', '42']);
    expect(second.stdout.text).toBe(first.stdout.text);
  });

  it('treats --seed 42 like the library’s seed 42', async () => {
    const { createSensorSimulator } = await import('../src');
    const simulator = createSensorSimulator({ seed: 42, clock: FIXED_CLOCK });
    const { stdout } = await run(['--count', '3', '--seed=42']);
    expect(stdout.lines).toEqual([1, 2, 3].map(() => JSON.stringify(simulator.next())));
  });

  it('paces lines to --rate', async () => {
    const slept: number[] = [];
    const sleep = (ms: number) => {
      slept.push(ms);
      return Promise.resolve();
    };
    const code = await runCli(['--count', '3', '--rate', '4'], {
      stdout: new Capture(),
      stderr: new Capture(),
      clock: FIXED_CLOCK,
      sleep,
    });
    expect(code).toBe(0);
    expect(slept).toEqual([250, 250]);
  });

  it('prints the usage for --help', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout.text).toMatch(/^Usage: sensor-generator/);
    expect(stdout.text).toContain('--count');
  });

  it.each([['--version'], ['-V']])('prints the version for %s', async (flag) => {
    const stdout = new Capture();
    const code = await runCli([flag], { stdout, stderr: new Capture(), version: '1.2.3' });
    expect(code).toBe(0);
    expect(stdout.text).toBe('1.2.3\n');
  });

  it.each([
    [['--count', 'abc'], /--count must be a number \(got "abc"\)/],
    [['--count', '1.5'], /--count must be an integer of at least 0 \(got "1.5"\)/],
    [['--sensors', '0'], /--sensors must be an integer of at least 1 \(got "0"\)/],
    [['--rate=-1'], /--rate must be a finite number of at least 0 \(got "-1"\)/],
    [['--seed='], /--seed must be a finite number or a non-empty string \(got ""\)/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['--rate'], /'-r, --rate <value>' argument missing/],
    [['extra'], /Unexpected argument 'extra'/],
  ])('exits with 2 and names the flag and value for %p', async (argv, message) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stdout.text).toBe('');
    expect(stderr.text).toMatch(message);
    expect(stderr.text).toContain('--help');
  });

  it('waits for stdout to drain instead of buffering the stream', async () => {
    const stdout = new Capture({ highWaterMark: 1, slow: true });
    const { code } = await run(['--count', '200'], stdout);
    expect(code).toBe(0);
    expect(stdout.lines).toHaveLength(200);
    // Ignoring backpressure would queue all 200 lines (about 30 kB) behind the first.
    expect(stdout.mostBuffered).toBeLessThan(1000);
  });

  it('exits quietly with 0 when the reader closes the pipe', async () => {
    // No --count: only the closed pipe can end this run.
    const stdout = new Capture({ fail: { at: 2, code: 'EPIPE' } });
    const { code, stderr } = await run([], stdout);
    expect(code).toBe(0);
    expect(stderr.text).toBe('');
    expect(stdout.lines).toHaveLength(1);
  });

  it('exits with 1 and says why when stdout fails otherwise', async () => {
    const { code, stderr } = await run(['--count', '5'], new Capture({ fail: { at: 1, code: 'ENOSPC' } }));
    expect(code).toBe(1);
    expect(stderr.text).toContain('cannot write to stdout: write ENOSPC');
  });

  it('ends with 0 when the signal aborts', async () => {
    const controller = new AbortController();
    const stdout = new Capture();
    setTimeout(() => controller.abort(), 1);
    // The count only bounds the damage: without a turn for the timer, all of it would be printed.
    const code = await runCli(['--count', '200000'], { stdout, stderr: new Capture(), signal: controller.signal });
    expect(code).toBe(0);
    expect(stdout.lines.length).toBeLessThan(200_000);
    expect(stdout.text.endsWith('\n')).toBe(true);
  });
});
