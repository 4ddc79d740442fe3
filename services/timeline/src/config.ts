// timeline-svc configuration: parsed once from the environment, validated, typed. Boot fails with
// one line per problem. Every key is documented here and in the README's configuration table.
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const schema = z.object({
  GRPC_HOST: z.string().min(1).default('127.0.0.1').describe('Address the gRPC server binds (0.0.0.0 in containers).'),
  GRPC_PORT: port.default(50053).describe('gRPC port; 0 picks a free port (tests).'),
  METRICS_PORT: port.default(9453).describe('Port of the Prometheus /metrics listener; 0 picks a free port.'),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .default('postgres://postgres@127.0.0.1:5432/dailyfeed')
    .describe('Primary PostgreSQL URL with owner rights, used only by `migrate` (the `timeline` schema and the read-only role); serving never opens it.'),
  CONTENT_READ_DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .default('postgres://dailyfeed_timeline_ro@127.0.0.1:5432/dailyfeed')
    .describe("Read-only URL of content's tables (timeline's own SELECT-only role; may point at a replica). `migrate` creates its role."),
  CONTENT_READ_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10).describe('Maximum connections of the read-only pool.'),
  CONTENT_READ_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000).describe('statement_timeout of read queries.'),
  MEMBER_ADDR: z.string().regex(/^(?:[^:]+:\d+|ipv4:[^:,]+:\d+(?:,[^:,]+:\d+)*)$/, 'expected host:port or ipv4:host:port,host:port').default('127.0.0.1:50051').describe('member-svc gRPC address (Authenticate, author summaries, following ids).'),
  MEMBER_DEADLINE_MS: z.coerce.number().int().min(50).default(2000).describe('Deadline of each call to member-svc.'),
  FOLLOWING_CACHE_TTL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(60_000)
    .default(3000)
    .describe("How long a following list is cached in Redis for the follow feed while member-svc's revocation channel is not heard (while it is, lists are remembered in process and dropped on each follow or unfollow); bounds how late a new follow shows then. 0 disables."),
  AUTHOR_CACHE_TTL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(300_000)
    .default(10_000)
    .describe("How long author summaries (name, handle, avatar) are cached in process while member-svc's revocation channel is not heard (while it is, they are remembered and dropped on each profile change); bounds how late a profile edit shows on posts then. 0 disables."),
  AUTH_MEMORY_ENTRIES: z.coerce
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .default(50_000)
    .describe("How many Authenticate answers (one per token) are remembered while member-svc's revocation channel is heard; a revocation takes effect at once. 0 asks member-svc on every call."),
  FEED_CAP: z.coerce
    .number()
    .int()
    .min(20)
    .max(10_000)
    .default(120)
    .describe("Posts kept per stored follow feed and per heavy author list (newest first); deeper pages are read from PostgreSQL. Up to 128 Redis keeps a sorted set in its compact listpack encoding (zset-max-listpack-entries): 120 ids take 4.2 KB, 800 take 99.9 KB, so the default holds six pages of 20 for a 24th of the memory."),
  FEED_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(24)
    .describe('Lifetime of a stored feed: a member who has not read for this long gets theirs rebuilt on the next read (bounds Redis memory to active members).'),
  FANOUT_HEAVY_FOLLOWERS: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(2000)
    .describe("Authors with this many readers (followers whose follow feed is stored, i.e. who read it within FEED_TTL_HOURS) or more are not fanned out: their posts are merged into followers' pages at read time."),
  FANOUT_GROUP_ID: z.string().min(1).default('timeline-fanout').describe('Kafka consumer group of the fan-out consumer.'),
  FANOUT_CHUNK_SIZE: z.coerce.number().int().min(1).max(5000).default(500).describe('Events applied (and committed) together by the fan-out consumer.'),
  ACTIVITY_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]+$/, 'letters, digits, dot, underscore and dash only')
    .default('member-activity-')
    .describe('Prefix of the daily activity topics (`<prefix>yyyyMMdd`) that carry POST_CREATE/POST_DELETE.'),
  TOPIC_RETENTION_DAYS: z.coerce.number().int().min(1).default(7).describe('Daily topics older than this many days are no longer subscribed.'),
  TOPIC_REFRESH_MS: z.coerce.number().int().min(100).default(60_000).describe('How often the fan-out consumer lists topics to pick up new day topics.'),
  MEMBER_GRPC_CONFIG_FILE: z
    .string()
    .default('')
    .describe('File of the grpc-js service config for calls to member-svc (retries, timeouts, outlier detection), read once at boot; the mesh generates it (mesh/generated/grpc/member[.under-mesh].json). "" = grpc-js defaults.'),
  MEMBER_RESILIENCE_FILE: z
    .string()
    .default('')
    .describe('File of the resilience profile for calls to member-svc (circuit breaker, client rate limit), read once at boot; the mesh generates it (mesh/generated/resilience/member.json). "" = neither.'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379').describe('Redis URL.'),
  REVOCATION_CHANNEL: z
    .string()
    .min(1)
    .default('dailyfeed:member:revocations')
    .describe("member-svc's revocation channel (Redis pub/sub), the same as member-svc's REVOCATION_CHANNEL; Authenticate answers, following lists and authors are remembered only while it is heard."),
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((value) => value.split(',').map((b) => b.trim()).filter((b) => b.length > 0))
    .pipe(z.array(z.string().regex(/^[^:]+:\d+$/, 'expected host:port')).min(1))
    .describe('Comma-separated Kafka bootstrap brokers (host:port).'),
  LOG_LEVEL: logLevel.default('info').describe('pino log level.'),
  HEALTH_INTERVAL_MS: z.coerce.number().int().min(100).default(5000).describe('How often dependencies are probed for grpc.health.v1.'),
  SHUTDOWN_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(10000)
    .describe('Graceful-shutdown deadline; in-flight calls are cancelled after it.'),
});

export type Config = Readonly<z.infer<typeof schema>>;

/** The settings from the environment; a bad value throws zod's ZodError, naming every variable and rule. */
export const loadConfig = (env: Readonly<Record<string, string | undefined>>): Config => schema.parse(env);

/** docs/configuration.md is generated from its keys, descriptions and defaults (scripts/env-docs.ts). */
export { schema as configSchema };
