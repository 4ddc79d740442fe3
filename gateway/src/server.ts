// createServer(deps) -> a Fastify instance with the edge's routes, not yet listening.
// Foundation scope: /metrics, /healthz, and the original error body for unknown routes and
// malformed requests. The REST routes generated from the google.api.http bindings come with the
// gateway issue.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { errorBody } from './domain/error-body.ts';

export interface GatewayDeps {
  readonly log: FastifyBaseLogger;
}

export function createServer(deps: GatewayDeps): FastifyInstance {
  const app = Fastify({ loggerInstance: deps.log, disableRequestLogging: true, bodyLimit: 256 * 1024 });
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'gateway' });
  collectDefaultMetrics({ register: registry });
  const requests = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'REST edge requests by route, method and status.',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  app.addHook('onResponse', async (request, reply) => {
    requests.observe(
      { route: request.routeOptions.url ?? 'unmatched', method: request.method, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    return reply.code(404).send(errorBody(404, `no route for ${request.method} ${path}`, path));
  });
  app.setErrorHandler(async (error: { statusCode?: number; message: string }, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'unhandled edge error');
    const path = request.url.split('?')[0] ?? request.url;
    return reply.code(status).send(errorBody(status, status === 500 ? 'internal error' : error.message, path));
  });
  return app;
}
