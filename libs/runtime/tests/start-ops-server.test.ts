import { Counter, Registry } from 'prom-client';
import { StartupError, startOpsServer, startupFailureFields, type OpsServer } from '../src';

let server: OpsServer;
let reasons: (string | undefined)[] = [];
const registry = new Registry();
const counter = new Counter({ name: 'test_things_total', help: 'Things.', registers: [registry] });

beforeAll(async () => {
  server = await startOpsServer({ metricsPort: 0, metricsHost: '127.0.0.1', registry, notReady: () => reasons });
});

afterAll(() => server.close());

function get(path: string) {
  return fetch(`http://127.0.0.1:${server.port}${path}`);
}

describe('startOpsServer', () => {
  it('serves the registry in the Prometheus text format', async () => {
    counter.inc(3);
    const response = await get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(await response.text()).toContain('test_things_total 3');
  });

  it('answers /healthz while alive', async () => {
    expect((await get('/healthz')).status).toBe(200);
  });

  it('answers /readyz with 200 when ready and 503 with the reasons when not', async () => {
    reasons = [undefined];
    expect((await get('/readyz')).status).toBe(200);
    reasons = ['broker not connected', undefined];
    const response = await get('/readyz');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ ready: false, reasons: ['broker not connected'] });
  });

  it('answers 404 elsewhere', async () => {
    expect((await get('/nope')).status).toBe(404);
  });

  it('refuses a taken port with a StartupError that names --metrics-port', async () => {
    const taken = startOpsServer({
      metricsPort: server.port,
      metricsHost: '127.0.0.1',
      registry,
      notReady: () => reasons,
    });
    await expect(taken).rejects.toBeInstanceOf(StartupError);
    const fields = startupFailureFields(await taken.catch((err: unknown) => err));
    expect(fields).toMatchObject({
      reason: `port ${server.port} of the metrics endpoint is already in use`,
      fix: expect.stringContaining('--metrics-port'),
    });
    expect(fields).not.toHaveProperty('err');
  });

  it('refuses an address not of this machine with a StartupError that names --metrics-host', async () => {
    const elsewhere = startOpsServer({ metricsPort: 0, metricsHost: '192.0.2.1', registry, notReady: () => reasons });
    await expect(elsewhere).rejects.toMatchObject({ fix: expect.stringContaining('--metrics-host') });
  });
});
