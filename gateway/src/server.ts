// createServer(deps) -> a Fastify instance with the edge's routes, not yet listening.
// Always: /metrics, /healthz, the original error body for unknown routes and bad requests, the
// request id, one log line per request. With `api`: the REST routes generated from the
// google.api.http bindings, /docs, CORS, body limits and (with `rateLimit`) the rate limits.
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import multipart from '@fastify/multipart';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { errorBody } from './domain/error-body.ts';
import { InputError } from './domain/json-in.ts';
import { createLoadShedder, type SheddingLimits } from './domain/load-shedder.ts';
import type { EdgeFailure, RpcFailure } from './domain/rpc-failure.ts';
import type { RpcInvoker } from './domain/rpc-invoker.ts';
import type { RouteSpec } from './domain/route-table.ts';
import { withRateLimits, type RateLimitSettings } from './adapters/rate-limits.ts';
import { registerDocs } from './handlers/docs.ts';
import { installPlumbing, parseQuery, requestIdOf } from './handlers/edge-plumbing.ts';
import { clientErrorReply, frameworkErrorReply, indexRouteMethods, MAX_PARAM_LENGTH, refuseBarePreflight, type MethodIndex } from './handlers/protocol-errors.ts';
import { pathOf, registerRestRoutes, type Shedding } from './handlers/rest-routes.ts';

export interface ApiDeps {
  readonly routes: readonly RouteSpec[];
  readonly invoker: RpcInvoker;
  readonly mapFailure: (failure: RpcFailure) => EdgeFailure;
  readonly openApi: object;
}

export interface EdgeOptions {
  readonly frontendOrigins: readonly string[];
  readonly cookieSecure: boolean;
  /** true, false, a comma list of proxy addresses/CIDRs, or a hop count. */
  readonly trustProxy: boolean | number | string;
  readonly jsonBodyLimit: number;
  readonly uploadBodyLimit: number;
  /** Serve /docs and /docs/openapi.json (DOCS_ENABLED; off in the cluster). */
  readonly docsEnabled: boolean;
}

export interface GatewayDeps {
  readonly log: FastifyBaseLogger;
  readonly api?: ApiDeps;
  /** Omitted: no rate limiting (tests of other concerns, or RATE_LIMIT_ENABLED=false). */
  readonly rateLimit?: RateLimitSettings;
  readonly edge?: Partial<EdgeOptions>;
  /** In-flight bounds of the API routes; omitted: no load shedding. */
  readonly shedding?: SheddingLimits & { readonly retryAfterSeconds: number };
  /**
   * Given: requests are recorded into it and /metrics is NOT served on the edge's port (main.ts
   * serves it on METRICS_PORT). Omitted: the edge has its own registry and serves /metrics itself.
   */
  readonly metricsRegistry?: Registry;
}

const DEFAULT_EDGE: EdgeOptions = {
  frontendOrigins: ['http://localhost:3000'],
  cookieSecure: true,
  trustProxy: false,
  jsonBodyLimit: 256 * 1024,
  uploadBodyLimit: 10 * 1024 * 1024,
  docsEnabled: true,
};

/** Headers a browser script may read on a cross-origin response. */
const EXPOSED_HEADERS = ['Authorization', 'X-Token-Refresh-Needed', 'X-Relogin-Required', 'X-Request-Id', 'Retry-After', 'X-Image-Claim'];

export function createServer(deps: GatewayDeps): FastifyInstance {
  const edge: EdgeOptions = { ...DEFAULT_EDGE, ...deps.edge };
  const app = Fastify({
    loggerInstance: deps.log,
    // Fastify's own request lines are off: installObservability writes one line per request.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: edge.jsonBodyLimit,
    trustProxy: typeof edge.trustProxy === 'number' ? trustHops(edge.trustProxy) : edge.trustProxy,
    requestIdHeader: false,
    genReqId: requestIdOf,
    routerOptions: { ignoreTrailingSlash: true, querystringParser: parseQuery, maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: frameworkErrorReply,
    clientErrorHandler: clientErrorReply,
  });
  // First: every route registered from here on is indexed for the 405 answer.
  const methods = indexRouteMethods(app);
  installPlumbing(app);
  const registry = installObservability(app, deps.metricsRegistry);
  installErrors(app, methods);
  app.get('/healthz', async () => ({ status: 'ok' }));
  // The original's probe paths (§1.0), answered by the edge for itself: plain text OK.
  for (const probe of ['ready', 'live', 'startup']) app.get(`/healthcheck/${probe}`, async (_request, reply) => reply.type('text/plain').send('OK'));

  const api = deps.api;
  if (api !== undefined) {
    void app.register(cookie);
    refuseBarePreflight(app);
    void app.register(cors, {
      origin: [...edge.frontendOrigins],
      credentials: true,
      exposedHeaders: EXPOSED_HEADERS,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      optionsSuccessStatus: 200,
    });
    void app.register(multipart, { limits: { fileSize: edge.uploadBodyLimit, files: 1, fields: 20, fieldSize: 64 * 1024 } });
    if (edge.docsEnabled) registerDocs(app, api.openApi);
    const shedding = deps.shedding === undefined ? undefined : sheddingOf(deps.shedding, registry);
    const routes = async (scope: FastifyInstance): Promise<void> => {
      registerRestRoutes(scope, { ...api, cookieSecure: edge.cookieSecure, uploadBodyLimit: edge.uploadBodyLimit, ...(shedding === undefined ? {} : { shedding }) });
    };
    const rateLimit = deps.rateLimit;
    void app.register(async (scope) => (rateLimit === undefined ? routes(scope) : withRateLimits(scope, rateLimit, routes)));
  }
  return app;
}

/** Trust the last `hops` proxies in X-Forwarded-For (Fastify's types lack the numeric form). */
function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}

/** The shedder with its metrics: shed requests counted, in-flight requests read at scrape time. */
function sheddingOf(settings: NonNullable<GatewayDeps['shedding']>, registry: Registry): Shedding {
  const shedder = createLoadShedder(settings);
  const shed = new Counter({
    name: 'http_server_shed_requests_total',
    help: 'API requests answered 503 at once because the in-flight bound of their backend or of the edge was reached.',
    labelNames: ['backend'],
    registers: [registry],
  });
  new Gauge({
    name: 'http_server_in_flight_requests',
    help: 'API requests being served now, by backend (bounded by SHED_MAX_IN_FLIGHT_PER_BACKEND).',
    labelNames: ['backend'],
    registers: [registry],
    collect() {
      for (const [backend, count] of shedder.inFlight()) this.set({ backend }, count);
    },
  });
  return { shedder, retryAfterSeconds: settings.retryAfterSeconds, onShed: (backend) => shed.inc({ backend }) };
}

/** The edge's metrics registry (default labels and process metrics), for createServer and main.ts. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'gateway' });
  // The event-loop delay is sampled every 100 ms: prom-client's 10 ms wakes an idle process 100 times a second (~4 ms CPU/s).
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  return registry;
}

/** Records every request into `external` (served by main.ts on METRICS_PORT) or into its own registry served at /metrics. */
function installObservability(app: FastifyInstance, external: Registry | undefined): Registry {
  const registry = external ?? createMetricsRegistry();
  const requests = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'REST edge requests by route, method and status.',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  // The labelled child of each (route, method, status) is looked up once: prom-client would
  // otherwise validate and hash the label object on every observation.
  const observers = new Map<string, Map<number, Histogram.Internal<'route' | 'method' | 'status'>>>();
  const observerOf = (route: string, method: string, status: number): Histogram.Internal<'route' | 'method' | 'status'> => {
    const key = `${method} ${route}`;
    let byStatus = observers.get(key);
    if (byStatus === undefined) {
      byStatus = new Map();
      observers.set(key, byStatus);
    }
    let observer = byStatus.get(status);
    if (observer === undefined) {
      observer = requests.labels({ route, method, status: String(status) });
      byStatus.set(status, observer);
    }
    return observer;
  };

  // The request line names no header or body, so it skips the logger's redaction paths, which
  // were 7 of the 12 µs a line cost (measured with the edge's paths); every other line keeps them.
  const access = app.log.child({}, { redact: [] });
  // A callback hook: it runs on every request and needs no promise.
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    const elapsedMs = reply.elapsedTime;
    observerOf(route, request.method, status).observe(elapsedMs / 1000);
    // One line per request; never headers or bodies (tokens, passwords and emails live there).
    access.info({ reqId: request.id, method: request.method, route, status, durationMs: Math.round(elapsedMs * 10) / 10, requestId: request.id }, 'request');
    done();
  });

  if (external !== undefined) return registry;
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
  return registry;
}

function installErrors(app: FastifyInstance, methods: MethodIndex): void {
  app.setNotFoundHandler(async (request, reply) => {
    const path = pathOf(request);
    const allowed = methods.allowedMethodsOf(path);
    if (allowed.length > 0) {
      return reply.code(405).header('allow', allowed.join(', ')).send(errorBody(405, `method: ${request.method} is not allowed on ${path} (allowed: ${allowed.join(', ')})`, path));
    }
    return reply.code(404).send(errorBody(404, `no route for ${request.method} ${path}`, path));
  });
  app.setErrorHandler(async (error: { statusCode?: number; message: string }, request, reply) => {
    const path = pathOf(request);
    if (error instanceof InputError) return reply.code(400).send(errorBody(400, error.message, path));
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'unhandled edge error');
    return reply.code(status).send(errorBody(status, status === 500 ? 'internal error' : error.message, path));
  });
}
