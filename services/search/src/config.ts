// search-svc configuration: parsed once from the environment, validated, typed. Boot fails with
// one line per problem. Every key is documented here and in the README's configuration table.
import { z } from 'zod';
import { SEARCH_ENGINES } from './domain/search-engine.ts';

const port = z.coerce.number().int().min(0).max(65535);
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const schema = z.object({
  GRPC_HOST: z.string().min(1).default('127.0.0.1').describe('Address the gRPC server binds (0.0.0.0 in containers).'),
  GRPC_PORT: port.default(50055).describe('gRPC port; 0 picks a free port (tests).'),
  METRICS_PORT: port.default(9455).describe('Port of the Prometheus /metrics listener; 0 picks a free port.'),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .default('postgres://postgres@127.0.0.1:5432/dailyfeed')
    .describe('PostgreSQL URL; search-svc owns the `search` schema in it.'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10).describe('Maximum PostgreSQL connections.'),
  MEMBER_GRPC_CONFIG_FILE: z
    .string()
    .default('')
    .describe('File of the grpc-js service config for calls to member-svc (retries, timeouts, outlier detection), read once at boot; the mesh generates it (mesh/generated/grpc/member[.under-mesh].json). "" = grpc-js defaults.'),
  MEMBER_RESILIENCE_FILE: z
    .string()
    .default('')
    .describe('File of the resilience profile for calls to member-svc (circuit breaker, client rate limit), read once at boot; the mesh generates it (mesh/generated/resilience/member.json). "" = neither.'),
  TIMELINE_GRPC_CONFIG_FILE: z
    .string()
    .default('')
    .describe('File of the grpc-js service config for calls to timeline-svc (retries, timeouts, outlier detection), read once at boot; the mesh generates it (mesh/generated/grpc/timeline[.under-mesh].json). "" = grpc-js defaults.'),
  TIMELINE_RESILIENCE_FILE: z
    .string()
    .default('')
    .describe('File of the resilience profile for calls to timeline-svc (circuit breaker, client rate limit), read once at boot; the mesh generates it (mesh/generated/resilience/timeline.json). "" = neither.'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379').describe('Redis URL.'),
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((value) => value.split(',').map((b) => b.trim()).filter((b) => b.length > 0))
    .pipe(z.array(z.string().regex(/^[^:]+:\d+$/, 'expected host:port')).min(1))
    .describe('Comma-separated Kafka bootstrap brokers (host:port).'),
  MEMBER_ADDR: z.string().min(1).default('127.0.0.1:50051').describe('member-svc gRPC address (Authenticate, author summaries, follower totals).'),
  TIMELINE_ADDR: z.string().min(1).default('127.0.0.1:50053').describe('timeline-svc gRPC address (BatchGetPosts: current author, counts and liked of found posts).'),
  DOWNSTREAM_TIMEOUT_MS: z.coerce.number().int().min(50).default(3000).describe('Deadline of each call to member-svc or timeline-svc.'),
  SEARCH_TOPIC_PREFIX: z
    .string()
    .min(1)
    .default('member-activity-')
    .describe('Prefix of the daily event topics (`<prefix>yyyyMMdd`); tests use a unique one.'),
  SEARCH_GROUP_ID: z.string().min(1).default('search-indexer-search-svc').describe('Kafka consumer group of the indexer.'),
  TOPIC_RETENTION_DAYS: z.coerce.number().int().min(1).default(7).describe('Day topics older than this are not subscribed (topic retention).'),
  TOPIC_REFRESH_MS: z.coerce.number().int().min(100).default(30_000).describe('How often the indexer looks for new day topics.'),
  SEARCH_ENGINE: z
    .enum(SEARCH_ENGINES)
    .default('postgres')
    .describe('Search engine behind the gRPC API: `postgres` (full-text search in the `search` schema) or `typesense` (needs TYPESENSE_URL and TYPESENSE_API_KEY; comment likes stay in PostgreSQL).'),
  TYPESENSE_URL: z
    .union([z.literal(''), z.url({ protocol: /^https?$/ })])
    .default('')
    .describe('Typesense base URL (http://host:8108); required when SEARCH_ENGINE=typesense.'),
  TYPESENSE_API_KEY: z.string().default('').describe('Typesense API key (admin key: the collection is created at start if missing); required when SEARCH_ENGINE=typesense.'),
  TYPESENSE_COLLECTION: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - (1-64)')
    .default('dailyfeed_search')
    .describe('Typesense collection holding posts and comments.'),
  TYPESENSE_TIMEOUT_MS: z.coerce.number().int().min(50).default(2000).describe('Deadline of each Typesense request; past it the RPC fails UNAVAILABLE.'),
  CONTENT_READ_DATABASE_URL: z
    .union([z.literal(''), z.url({ protocol: /^postgres(ql)?$/ })])
    .default('')
    .describe('PostgreSQL URL `node src/main.ts reindex` reads content.posts and content.comments from; "" = DATABASE_URL.'),
  LOG_LEVEL: logLevel.default('info').describe('pino log level.'),
  HEALTH_INTERVAL_MS: z.coerce.number().int().min(100).default(5000).describe('How often dependencies are probed for grpc.health.v1.'),
  SHUTDOWN_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(10000)
    .describe('Graceful-shutdown deadline; in-flight calls are cancelled after it.'),
});

// Typesense settings are required only when it is the engine.
const checked = schema.superRefine((c, ctx) => {
  if (c.SEARCH_ENGINE !== 'typesense') return;
  if (c.TYPESENSE_URL === '') ctx.addIssue({ code: 'custom', path: ['TYPESENSE_URL'], message: 'required when SEARCH_ENGINE=typesense' });
  if (c.TYPESENSE_API_KEY === '') ctx.addIssue({ code: 'custom', path: ['TYPESENSE_API_KEY'], message: 'required when SEARCH_ENGINE=typesense' });
});

export type Config = Readonly<z.infer<typeof schema>>;

/** The settings from the environment; a bad value throws zod's ZodError, naming every variable and rule. */
export const loadConfig = (env: Readonly<Record<string, string | undefined>>): Config => checked.parse(env);

/** docs/configuration.md is generated from its keys, descriptions and defaults (scripts/env-docs.ts). */
export { schema as configSchema };
