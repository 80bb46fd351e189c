import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { StartupError } from './startup-error';

/** Whether the app can do its work now, and if not, why. */
export interface Readiness {
  ready: boolean;
  /** What is missing, e.g. `broker not connected`; empty when ready. */
  reasons: string[];
}

/** Where the endpoint listens (an app's `--metrics-port` and `--metrics-host`), what it serves. */
export interface OpsServerOptions {
  metricsPort: number;
  /** Address to listen on (default every interface, so that Prometheus in a container can scrape). */
  metricsHost?: string;
  registry: Registry;
  /** Why the app cannot do its work now, e.g. `broker not connected`; ready when every entry is undefined. */
  notReady: () => readonly (string | undefined)[];
}

/** The running endpoint; `close()` stops it. */
export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Serves what operators and orchestrators poll: `/metrics` (Prometheus text format),
 * `/healthz` (200 while the process is alive) and `/readyz` (200 when ready, else 503 with the
 * reasons as JSON). A port that is taken or not allowed, or an address not of this machine,
 * rejects with a {@link StartupError} naming `--metrics-port` or `--metrics-host`.
 *
 * @example
 * const ops = await startOpsServer({ metricsPort: 9465, registry, notReady: () => [broker.connected ? undefined : 'broker not connected'] });
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
      const reasons = options.notReady().filter((reason): reason is string => reason !== undefined);
      const readiness: Readiness = { ready: reasons.length === 0, reasons };
      reply(readiness.ready ? 200 : 503, 'application/json', `${JSON.stringify(readiness)}\n`);
    } else {
      reply(404, 'text/plain', 'not found: try /metrics, /healthz or /readyz\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(explainListenError(err, options)));
    server.listen(options.metricsPort, options.metricsHost, () => resolve());
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

function explainListenError(
  err: NodeJS.ErrnoException,
  { metricsPort: port, metricsHost: host }: OpsServerOptions,
): Error {
  const details = { metricsPort: port, metricsHost: host ?? '(every interface)' };
  switch (err.code) {
    case 'EADDRINUSE':
      return new StartupError(`port ${port} of the metrics endpoint is already in use`, {
        fix: 'stop what listens there, or choose another port with --metrics-port (0: any free port)',
        details,
        cause: err,
      });
    case 'EACCES':
      return new StartupError(`port ${port} of the metrics endpoint needs privileges this process lacks`, {
        fix: 'choose a port above 1023 with --metrics-port',
        details,
        cause: err,
      });
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new StartupError(`address ${host} of the metrics endpoint is not one of this machine's`, {
        fix: 'choose an address of this machine with --metrics-host (127.0.0.1: this machine only)',
        details,
        cause: err,
      });
    default:
      return err;
  }
}
