import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** Whether the app can do its work now, and if not, why. */
export interface Readiness {
  ready: boolean;
  /** What is missing, e.g. `broker not connected`; empty when ready. */
  reasons: string[];
}

export interface OpsServerOptions {
  port: number;
  /** Address to listen on (default all interfaces, so Prometheus in a container can scrape). */
  host?: string;
  registry: Registry;
  readiness: () => Readiness;
}

/** The running endpoint; `close()` stops it. */
export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Serves what operators and orchestrators poll: `/metrics` (Prometheus text format),
 * `/healthz` (200 while the process is alive) and `/readyz` (200 when ready, else 503 with the
 * reasons as JSON).
 *
 * @example
 * const ops = await startOpsServer({ port: 9465, registry, readiness: () => ({ ready: broker.connected, reasons: [] }) });
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const reply = (status: number, type: string, body: string) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      reply(405, 'text/plain', 'method not allowed\n');
    } else if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => reply(200, options.registry.contentType, text),
        (err: Error) => reply(500, 'text/plain', `metrics failed: ${err.message}\n`),
      );
    } else if (path === '/healthz') {
      reply(200, 'application/json', '{"alive":true}\n');
    } else if (path === '/readyz') {
      const readiness = options.readiness();
      reply(readiness.ready ? 200 : 503, 'application/json', `${JSON.stringify(readiness)}\n`);
    } else {
      reply(404, 'text/plain', 'not found: try /metrics, /healthz or /readyz\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
