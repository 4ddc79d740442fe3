// Gateway entry point: the only place that reads process.env and handles signals.
import { trace } from '@opentelemetry/api';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createGrpcBackends } from './adapters/grpc-backends.ts';
import { loadProtoRoot } from './adapters/proto-loader.ts';
import { backendAddresses, ConfigError, loadConfig, type Config } from './config.ts';
import { buildOpenApi, OPENAPI_INFO } from './domain/openapi.ts';
import { buildRouteTable } from './domain/route-table.ts';
import { createFailureMapper } from './domain/rpc-failure.ts';
import { startMetricsServer } from './handlers/metrics-server.ts';
import { createMetricsRegistry, createServer } from './server.ts';

// Request logs carry no headers or bodies; this list guards any object logged by mistake.
const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie', 'password', '*.password', 'email', '*.email', '*.accessToken', '*.refreshToken', '*.refresh_token', '*.access_token'];

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (err: unknown) {
    if (err instanceof ConfigError) {
      process.stderr.write(`gateway: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

const config = readConfig();
// Buffered, asynchronous writes: one write(2) per ~4 KiB of log lines instead of one per line
// (a synchronous write per request cost ~4 % of the edge's CPU). pino flushes the buffer on exit.
// Request logs carry the request id (fastify's reqId) and, while a span is active, the trace id.
const traceId = (): { traceId?: string } => {
  const id = trace.getActiveSpan()?.spanContext().traceId;
  return id === undefined ? {} : { traceId: id };
};
const log = pino({ name: 'gateway', level: config.LOG_LEVEL, mixin: traceId, redact: { paths: REDACT, censor: '[redacted]' } }, pino.destination({ dest: 1, sync: false, minLength: 4096 }));
const root = await loadProtoRoot(config.PROTO_DIR);
const routes = buildRouteTable(root);
// With METRICS_PORT, /metrics lives on its own port and the public one does not serve it.
const metricsRegistry = config.METRICS_PORT === undefined ? undefined : createMetricsRegistry();
const invoker = createGrpcBackends({
  addresses: backendAddresses(config),
  serviceConfigDir: config.GRPC_SERVICE_CONFIG_DIR || undefined,
  underMesh: config.GRPC_UNDER_MESH,
  resilienceDir: config.RESILIENCE_DIR || undefined,
  ...(metricsRegistry === undefined ? {} : { registry: metricsRegistry }),
  log,
});
const redis = config.RATE_LIMIT_ENABLED ? new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false }) : undefined;
redis?.on('error', (err: Error) => log.warn({ err: err.message }, 'redis error (rate limits are skipped while it lasts)'));

const app = createServer({
  log,
  ...(metricsRegistry === undefined ? {} : { metricsRegistry }),
  api: { routes, invoker, mapFailure: createFailureMapper(root), openApi: buildOpenApi(root, routes, { ...OPENAPI_INFO, serverUrl: config.OPENAPI_SERVER_URL }) },
  ...(redis === undefined
    ? {}
    : { rateLimit: { redis, keyPrefix: config.RATE_LIMIT_KEY_PREFIX, windowMs: config.RATE_LIMIT_WINDOW_MS, perIp: config.RATE_LIMIT_PER_IP, perMember: config.RATE_LIMIT_PER_MEMBER } }),
  shedding: { maxInFlight: config.SHED_MAX_IN_FLIGHT, maxInFlightPerBackend: config.SHED_MAX_IN_FLIGHT_PER_BACKEND, retryAfterSeconds: config.SHED_RETRY_AFTER_SECONDS },
  edge: {
    frontendOrigins: config.FRONTEND_ORIGINS,
    cookieSecure: config.COOKIE_SECURE,
    trustProxy: config.TRUST_PROXY,
    jsonBodyLimit: config.BODY_LIMIT_JSON_BYTES,
    uploadBodyLimit: config.BODY_LIMIT_IMAGE_BYTES,
    docsEnabled: config.DOCS_ENABLED,
  },
});
const address = await app.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
const metricsServer = metricsRegistry === undefined || config.METRICS_PORT === undefined ? undefined : await startMetricsServer(metricsRegistry, config.HTTP_HOST, config.METRICS_PORT);
log.info({ address, metrics: metricsServer?.address ?? `${address}/metrics`, routes: routes.length }, 'gateway listening');

let signals = 0;
const onSignal = (signal: NodeJS.Signals): void => {
  signals += 1;
  if (signals > 1) process.exit(1);
  log.info({ signal }, 'shutting down');
  const timer = setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS);
  timer.unref();
  Promise.all([app.close(), metricsServer?.close()]).then(
    () => {
      invoker.close();
      redis?.disconnect();
      process.exit(0);
    },
    () => process.exit(1),
  );
};
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);
