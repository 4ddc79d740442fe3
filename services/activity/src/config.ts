// activity-svc configuration: parsed once from the environment, validated, typed. Boot fails with
// one line per problem. Every key is documented here and in the README's configuration table.
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const schema = z.object({
  GRPC_HOST: z.string().min(1).default('127.0.0.1').describe('Address the gRPC server binds (0.0.0.0 in containers).'),
  GRPC_PORT: port.default(50056).describe('gRPC port; 0 picks a free port (tests).'),
  METRICS_PORT: port.default(9456).describe('Port of the Prometheus /metrics listener; 0 picks a free port.'),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .default('postgres://postgres@127.0.0.1:5432/dailyfeed')
    .describe('PostgreSQL URL; activity-svc owns the `activity` schema in it.'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10).describe('Maximum PostgreSQL connections.'),
  MEMBER_GRPC_CONFIG_FILE: z
    .string()
    .default('')
    .describe('File of the grpc-js service config for calls to member-svc (retries, timeouts, outlier detection), read once at boot; the mesh generates it (mesh/generated/grpc/member[.under-mesh].json). "" = grpc-js defaults.'),
  MEMBER_RESILIENCE_FILE: z
    .string()
    .default('')
    .describe('File of the resilience profile for calls to member-svc (circuit breaker, client rate limit), read once at boot; the mesh generates it (mesh/generated/resilience/member.json). "" = neither.'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379').describe('Redis URL.'),
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((value) => value.split(',').map((b) => b.trim()).filter((b) => b.length > 0))
    .pipe(z.array(z.string().regex(/^[^:]+:\d+$/, 'expected host:port')).min(1))
    .describe('Comma-separated Kafka bootstrap brokers (host:port).'),
  MEMBER_ADDR: z
    .string()
    .regex(/^(?:[^:]+:\d+|ipv4:[^:,]+:\d+(?:,[^:,]+:\d+)*)$/, 'expected host:port or ipv4:host:port,host:port')
    .default('127.0.0.1:50051')
    .describe('member-svc gRPC address (Authenticate, ListFollowingIds, GetSummariesByIds).'),
  MEMBER_TIMEOUT_MS: z.coerce.number().int().min(50).default(3000).describe('Deadline of each call to member-svc.'),
  ACTIVITY_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'expected a Kafka topic name prefix')
    .default('member-activity-')
    .describe('Daily topics are `<prefix>yyyyMMdd` (UTC). Dead-letter jobs and admin RPCs only see letters of these topics.'),
  KAFKA_CONSUMER_GROUP: z
    .string()
    .min(1)
    .default('member-activity-consumer-group-activity-svc')
    .describe('Consumer group of the activity listener.'),
  CONSUMER_ENABLED: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true')
    .describe('Run the Kafka listener in this process (false: serve the read API only).'),
  CONSUMER_SESSION_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(6000)
    .default(6000)
    .describe(
      "Kafka group session timeout: how long a crashed consumer keeps its partitions before they move, and how long the group waits for a member lost in a broker restart before the survivors rejoin (6 s, the broker's minimum: back within 10 s).",
    ),
  CONSUMER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(3).describe('Partitions processed concurrently.'),
  CONSUMER_CHUNK_SIZE: z.coerce
    .number()
    .int()
    .min(1)
    .max(5000)
    .default(1000)
    .describe('Messages stored (one INSERT) and committed together; a longer fetched batch is cut into chunks, heartbeating between them.'),
  TOPIC_RETENTION_DAYS: z.coerce.number().int().min(1).default(7).describe('Daily topics older than this many days are no longer subscribed.'),
  TOPIC_REFRESH_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(30_000)
    .describe('How often the topic list is read to pick up a new day topic (also shortly after each UTC midnight).'),
  DEDUP_TTL_S: z.coerce
    .number()
    .int()
    .min(86_400)
    .default(172_800)
    .describe('TTL of the Redis dedup hint `member_activity:kafka_key:{messageKey}` (PostgreSQL stays the real guard).'),
  LISTENER_RETRIES: z.coerce.number().int().min(0).max(10).default(3).describe('In-process retries of a failed store before its messages become dead letters.'),
  LISTENER_RETRY_BASE_MS: z.coerce.number().int().min(1).default(100).describe('First in-process retry delay; doubles per retry.'),
  OUTAGE_BACKOFF_MAX_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(30_000)
    .describe('Cap of the wait between attempts while PostgreSQL cannot even store dead letters (offsets stay uncommitted).'),
  REPLAY_INTERVAL_MS: z.coerce.number().int().min(0).default(5000).describe('How often the replay job takes due PENDING dead letters; 0 disables the in-process job.'),
  REPLAY_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100).describe('Dead letters claimed per replay round.'),
  REPLAY_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(10).describe('Attempts (listener and replay together) after which a dead letter is PARKED.'),
  REPLAY_BASE_DELAY_MS: z.coerce.number().int().min(1).default(5000).describe('Replay backoff after the first failed attempt; doubles per attempt, with jitter.'),
  REPLAY_MAX_DELAY_MS: z.coerce.number().int().min(1).default(3_600_000).describe('Cap of the replay backoff.'),
  LAG_INTERVAL_MS: z.coerce.number().int().min(100).default(15_000).describe('How often consumer lag and dead-letter counts are refreshed for /metrics.'),
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
