// Gateway configuration: parsed once from the environment, validated, typed; boot fails listing
// every problem. Every key is documented by its describe().
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
// host:port, or several replicas as a grpc-js ipv4 target (`npm start -- --replicas`), balanced round robin.
const address = z.string().regex(/^(?:[^:\s]+:\d+|ipv4:[^:\s,]+:\d+(?:,[^:\s,]+:\d+)*)$/, 'expected host:port or ipv4:host:port,host:port');
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const positiveInt = z.coerce.number().int().min(1);

/** Beside the gateway source in the repo and in the image (the Dockerfile copies proto/ and mesh/generated/grpc/ there). */
const DEFAULT_PROTO_DIR = fileURLToPath(new URL('../../proto', import.meta.url));
const DEFAULT_GRPC_CONFIG_DIR = fileURLToPath(new URL('../../mesh/generated/grpc', import.meta.url));
const DEFAULT_RESILIENCE_DIR = fileURLToPath(new URL('../../mesh/generated/resilience', import.meta.url));

const schema = z.object({
  HTTP_HOST: z.string().min(1).default('127.0.0.1').describe('Address the REST edge binds (0.0.0.0 in containers).'),
  HTTP_PORT: port.default(8080).describe('REST edge port; 0 picks a free port (tests).'),
  METRICS_PORT: z
    .union([z.literal('').transform(() => undefined), port])
    .optional()
    .describe('When set, Prometheus /metrics is served on this port (bound on HTTP_HOST) and not on the public HTTP_PORT; unset or "" keeps /metrics on HTTP_PORT (local runs).'),
  DOCS_ENABLED: flag.default(true).describe('Serve the Swagger UI at /docs and the OpenAPI document at /docs/openapi.json; the cluster manifests turn it off.'),
  MEMBER_ADDR: address.default('127.0.0.1:50051').describe('member-svc gRPC address.'),
  CONTENT_ADDR: address.default('127.0.0.1:50052').describe('content-svc gRPC address.'),
  TIMELINE_ADDR: address.default('127.0.0.1:50053').describe('timeline-svc gRPC address.'),
  IMAGE_ADDR: address.default('127.0.0.1:50054').describe('image-svc gRPC address.'),
  SEARCH_ADDR: address.default('127.0.0.1:50055').describe('search-svc gRPC address.'),
  ACTIVITY_ADDR: address.default('127.0.0.1:50056').describe('activity-svc gRPC address.'),
  OPENAPI_SERVER_URL: z.url().default('http://localhost:8080').describe('Base URL of the edge written in the OpenAPI document (`servers`); the docs page sends "Try it out" requests there.'),
  PROTO_DIR: z.string().min(1).default(DEFAULT_PROTO_DIR).describe('Folder holding dailyfeed/ and google/ protos; the routes and the OpenAPI document are read from them at startup.'),
  GRPC_SERVICE_CONFIG_DIR: z
    .string()
    .default(DEFAULT_GRPC_CONFIG_DIR)
    .describe('Folder of mesh-generated grpc-js service configs (<backend>.json); a missing file means grpc-js defaults; "" disables.'),
  RESILIENCE_DIR: z
    .string()
    .default(DEFAULT_RESILIENCE_DIR)
    .describe('Folder of mesh-generated resilience profiles (<backend>.json): the circuit breaker and client rate limit of the calls to each backend, kept under the mesh; a missing file means neither; "" disables.'),
  GRPC_UNDER_MESH: flag.default(false).describe('True when an Istio sidecar carries the calls: the *.under-mesh.json configs leave retries to the mesh.'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379').describe('Redis URL (rate-limit buckets).'),
  FRONTEND_ORIGINS: z
    .string()
    .prefault('http://localhost:3000,http://localhost:3001')
    .transform((v) => v.split(',').map((o) => o.trim()).filter((o) => o !== ''))
    .describe('Comma-separated browser origins allowed by CORS (with credentials).'),
  COOKIE_SECURE: flag.default(true).describe('Secure attribute of the refresh_token cookie; false for plain-http origins other than localhost.'),
  TRUST_PROXY: z
    .string()
    .prefault('false')
    .transform((v) => (v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v))
    .describe('Which proxies may name the client address in X-Forwarded-For (rate-limit buckets, ClientInfo): false (none: the socket peer), a hop count, or a comma list of addresses/CIDRs (e.g. "loopback,10.8.0.0/16"); true trusts anyone and is only for tests. The cluster sets 1 (the ingress, through the sidecar); see gateway/README.md.'),
  BODY_LIMIT_JSON_BYTES: positiveInt.default(256 * 1024).describe('Largest JSON body accepted (posts are at most 5000 characters).'),
  BODY_LIMIT_IMAGE_BYTES: positiveInt.default(10 * 1024 * 1024).describe('Largest uploaded image (image-svc accepts 10 MiB).'),
  RATE_LIMIT_ENABLED: flag.default(true).describe('Whether API routes are rate limited.'),
  RATE_LIMIT_WINDOW_MS: positiveInt.default(60_000).describe('Rate-limit window.'),
  RATE_LIMIT_PER_IP: positiveInt.default(1200).describe('Requests per window per client address, for requests without a bearer token (login, signup, anonymous reads).'),
  RATE_LIMIT_PER_MEMBER: positiveInt.default(600).describe('Requests per window per member session (requests with a bearer token count here, not against their address).'),
  RATE_LIMIT_KEY_PREFIX: z.string().min(1).default('dailyfeed:gateway:rl:').describe('Redis key prefix of the rate-limit buckets.'),
  SHED_MAX_IN_FLIGHT: z.coerce
    .number()
    .int()
    .min(0)
    .default(256)
    .describe('Load shedding: API requests in flight across all backends before the edge answers 503 + Retry-After at once; 0 = unbounded.'),
  SHED_MAX_IN_FLIGHT_PER_BACKEND: z.coerce
    .number()
    .int()
    .min(0)
    .default(64)
    .describe(
      'Load shedding: API requests in flight to one backend (member, content, ...) before its routes answer 503 + Retry-After. Keep it near the concurrency at which the backend saturates (Little: saturation rate x latency there; ~450 req/s x ~50-100 ms on the reference machine), so queues cannot grow past it; 0 = unbounded.',
    ),
  SHED_RETRY_AFTER_SECONDS: positiveInt.default(1).describe('Retry-After (seconds) of a request shed by the in-flight bounds.'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level.'),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(10000).describe('Graceful-shutdown deadline.'),
});

export type Config = Readonly<z.infer<typeof schema>>;

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  return result.data;
}

/** Key and description of every setting (for docs and `--help`). */

/** The backend addresses by the key the route table uses (the proto package's service name). */
export function backendAddresses(config: Config): Record<string, string> {
  return {
    member: config.MEMBER_ADDR,
    content: config.CONTENT_ADDR,
    timeline: config.TIMELINE_ADDR,
    image: config.IMAGE_ADDR,
    search: config.SEARCH_ADDR,
    activity: config.ACTIVITY_ADDR,
  };
}

/** docs/configuration.md is generated from its keys, descriptions and defaults (scripts/env-docs.ts). */
export { schema as configSchema };
