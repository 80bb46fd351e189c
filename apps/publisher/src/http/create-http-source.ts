import { STATUS_CODES } from 'node:http';
import { fastify, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { UnknownFields } from '@sensors/sensor-model';
import type { PublisherStats, ReadingSink } from '../publish-readings';
import { createBearerTokenCheck } from './create-bearer-token-check';
import { publishBatch } from './publish-batch';
import { InvalidRequestBodyError, readRequestReadings, type RequestItem } from './read-request-readings';

export interface HttpSourceOptions {
  sink: ReadingSink;
  stats: PublisherStats;
  /** Whether publishing can work now: connected to the broker, which does not block publishers. */
  brokerAvailable: () => boolean;
  /** Bearer tokens, one of which each request must carry; none: no authentication. */
  tokens: readonly string[];
  /** PEM certificate (chain) and private key: HTTPS instead of HTTP. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Largest request body, in bytes. */
  bodyLimit: number;
  /** Longest a client may take to send a whole request (headers and body), in ms. */
  requestTimeoutMs: number;
  /** Longest a request waits for room in the window and for the broker's confirms, in ms. */
  confirmTimeoutMs: number;
  /** Keep (default) or refuse the fields of `content` the model does not know. */
  unknownFields?: UnknownFields;
  /** Seconds a 503 asks the client to wait before retrying (default 5). */
  retryAfterSeconds?: number;
  /** Called with an unexpected error, answered with a 500. */
  onError?: (err: Error) => void;
}

const NDJSON = 'application/x-ndjson';
/**
 * Most readings one request may hold: more than a body of the default limit holds valid
 * readings, and few enough that validating them stays short. A larger count is refused whole.
 */
export const MAX_REQUEST_READINGS = 10_000;

function fail(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).send({ statusCode: status, error: STATUS_CODES[status], message });
}

/**
 * Builds the HTTP source, ready to `listen()`: `POST /readings` takes one reading (a JSON
 * object), a JSON array of them, or NDJSON (`content-type: application/x-ndjson`), publishes
 * the valid ones and answers once the broker has confirmed them:
 *
 * - `202` every reading is confirmed: `{ accepted: [ids], rejected: [], unconfirmed: [] }`;
 * - `400` some are invalid (the valid ones are published all the same): the first 100 in
 *   `rejected: [{ index, id?, problems: [{ field, value, problem }] }]`, all of them counted in
 *   `rejectedCount` and `rejectedByReason`; or the body as a whole is not JSON, holds no reading
 *   or more than {@link MAX_REQUEST_READINGS}: `{ statusCode, error, message }` (nothing published);
 * - `503` with `Retry-After`: the broker is unreachable (nothing is published), or some valid
 *   readings were not confirmed within `confirmTimeoutMs`: `unconfirmed: [{ index, id, reason }]`;
 * - `401` without a valid bearer token, `413` past `bodyLimit`, `415` another content type,
 *   `408` (and the connection closed) when the request takes longer than `requestTimeoutMs`;
 * - `500` an unexpected failure, handed to `onError` and not described to the client.
 *
 * With `tls`, it serves HTTPS, so that bearer tokens do not cross the network in clear.
 */
export function createHttpSource(options: HttpSourceOptions): FastifyInstance {
  const { stats, requestTimeoutMs, confirmTimeoutMs } = options;
  const retryAfter = String(options.retryAfterSeconds ?? 5);
  const server = {
    headersTimeout: requestTimeoutMs,
    // Node checks the request and headers timeouts this often (by default every 30 s).
    connectionsCheckingInterval: Math.min(1000, requestTimeoutMs),
  };
  const app = fastify({
    bodyLimit: options.bodyLimit,
    requestTimeout: requestTimeoutMs,
    // A backstop for sockets that go quiet; a request's own wait for confirms stays below it.
    connectionTimeout: requestTimeoutMs + confirmTimeoutMs + 1000,
    keepAliveTimeout: 5000,
    // Fastify hands `https` (TLS and server options in one) to https.createServer, else `http`.
    ...(options.tls ? { https: { ...server, ...options.tls } } : { http: server }),
  }) as FastifyInstance;

  app.addHook('onResponse', async (_request, reply) => {
    const status = String(reply.statusCode);
    stats.httpRequestsByStatus[status] = (stats.httpRequestsByStatus[status] ?? 0) + 1;
  });
  app.setErrorHandler<FastifyError>(async (err, _request, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return fail(reply, 413, `the body is larger than the limit of ${options.bodyLimit} bytes (--http-body-limit)`);
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return fail(reply, 415, `the content-type must be application/json or ${NDJSON}`);
    }
    if ((err.statusCode ?? 500) < 500) return reply.send(err);
    options.onError?.(err);
    return fail(reply, 500, "the publisher failed; see its log ('http request failed')");
  });
  if (options.tokens.length > 0) {
    const authorized = createBearerTokenCheck(options.tokens);
    app.addHook('onRequest', async (request, reply) => {
      if (authorized(request.headers.authorization)) return;
      reply.header('www-authenticate', 'Bearer realm="sensors"');
      return fail(reply, 401, 'a valid bearer token is required: Authorization: Bearer <token>');
    });
  }

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', NDJSON], { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  );

  app.post(
    '/readings',
    {
      // Before the body is read: a client need not upload what cannot be published now.
      onRequest: async (_request, reply) => {
        if (options.brokerAvailable()) return;
        reply.header('retry-after', retryAfter);
        return fail(reply, 503, 'the broker is unreachable or refuses publishes; nothing was published');
      },
    },
    async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const ndjson = request.headers['content-type']?.split(';')[0].trim().toLowerCase() === NDJSON;
      let items: RequestItem[];
      try {
        items = await readRequestReadings(body, ndjson, MAX_REQUEST_READINGS);
      } catch (err) {
        if (err instanceof InvalidRequestBodyError) return fail(reply, 400, err.message);
        throw err;
      }
      if (items.length === 0) {
        return fail(reply, 400, 'the body holds no reading: send a JSON object, a JSON array or NDJSON lines');
      }
      const outcome = await publishBatch(items, {
        sink: options.sink,
        stats,
        timeoutMs: confirmTimeoutMs,
        unknownFields: options.unknownFields,
      });
      if (outcome.unconfirmed.length > 0) return reply.code(503).header('retry-after', retryAfter).send(outcome);
      return reply.code(outcome.rejected.length > 0 ? 400 : 202).send(outcome);
    },
  );
  return app;
}
