import { Counter, Registry } from 'prom-client';
import { startOpsServer, type OpsServer, type Readiness } from '../src';

let server: OpsServer;
let readiness: Readiness = { ready: true, reasons: [] };
const registry = new Registry();
const counter = new Counter({ name: 'test_things_total', help: 'Things.', registers: [registry] });

beforeAll(async () => {
  server = await startOpsServer({ port: 0, host: '127.0.0.1', registry, readiness: () => readiness });
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
    readiness = { ready: true, reasons: [] };
    expect((await get('/readyz')).status).toBe(200);
    readiness = { ready: false, reasons: ['broker not connected'] };
    const response = await get('/readyz');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ ready: false, reasons: ['broker not connected'] });
  });

  it('answers 404 elsewhere', async () => {
    expect((await get('/nope')).status).toBe(404);
  });
});
