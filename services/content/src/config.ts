// content-svc configuration: parsed once from the environment, validated, typed. Boot fails with
// one line per problem. Every key is documented here and in the README's configuration table.
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const ms = z.coerce.number().int().min(1);
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const schema = z.object({
  GRPC_HOST: z.string().min(1).default('127.0.0.1').describe('Address the gRPC server binds (0.0.0.0 in containers).'),
  GRPC_PORT: port.default(50052).describe('gRPC port; 0 picks a free port (tests).'),
  METRICS_PORT: port.default(9452).describe('Port of the Prometheus /metrics listener; 0 picks a free port.'),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .default('postgres://postgres@127.0.0.1:5432/dailyfeed')
    .describe('PostgreSQL URL; content-svc owns the `content` schema in it.'),
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
  LOG_LEVEL: logLevel.default('info').describe('pino log level.'),
  HEALTH_INTERVAL_MS: z.coerce.number().int().min(100).default(5000).describe('How often dependencies are probed for grpc.health.v1.'),
  MEMBER_ADDR: z.string().regex(/^(?:[^:]+:\d+|ipv4:[^:,]+:\d+(?:,[^:,]+:\d+)*)$/, 'expected host:port or ipv4:host:port,host:port').default('127.0.0.1:50051').describe('member-svc gRPC address (MemberService.Authenticate).'),
  MEMBER_DEADLINE_MS: ms.default(2000).describe('Deadline of each Authenticate call to member-svc.'),
  AUTH_ANSWER_WAIT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(50)
    .describe("Longest wait for the Authenticate answer member-svc wrote to Redis for a token (member-svc's AUTH_ANSWER_TTL_MS) before member-svc is asked instead. 0 = always ask member-svc."),
  PUBLISH_TIMEOUT_MS: ms.default(5000).describe('Longest wait for one Kafka send before it counts as failed (the row stays PENDING).'),
  PUBLISH_BATCH_MAX: z.coerce.number().int().min(1).max(5000).default(500).describe('Most outbox rows published in one Kafka request (immediate path and relay).'),
  PUBLISH_LINGER_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(5)
    .describe('How long the immediate publisher waits after a commit for more rows to send in the same Kafka request.'),
  PUBLISH_PROBE_INTERVAL_MS: ms
    .default(1000)
    .describe('While Kafka looks down, how often one outbox row is sent as a probe (other rows keep their attempts).'),
  OUTBOX_RELAY_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(1000)
    .describe('How often the in-process relay re-publishes due PENDING outbox rows; 0 disables it (the relay-dead-letters job still works).'),
  OUTBOX_RELAY_GRACE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(5000)
    .describe('Age before the relay takes a never-attempted row: younger rows belong to the immediate publisher (or a crashed writer, picked up after it).'),
  OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(20).describe('Failed publish attempts after which an outbox row is PARKED until an operator replays it.'),
  OUTBOX_BACKOFF_BASE_MS: ms.default(500).describe('Retry delay after the first failed publish; doubles per attempt.'),
  OUTBOX_BACKOFF_CAP_MS: ms.default(60_000).describe('Longest retry delay between publish attempts.'),
  TOPIC_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(7).describe('retention.ms of member-activity-yyyyMMdd topics, and the age after which cleanup-topics deletes them.'),
  TOPIC_MAINTENANCE_INTERVAL_MS: ms
    .default(3_600_000)
    .describe("How often the running service ensures today's and tomorrow's topics and forgets old idempotency keys."),
  OUTBOX_RETENTION_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .default(72)
    .describe('Published (COMPLETED) outbox rows older than this are deleted every TOPIC_MAINTENANCE_INTERVAL_MS; dead letters (PENDING, PARKED) are kept.'),
  IDEMPOTENCY_TTL_HOURS: z.coerce.number().int().min(1).default(24).describe('How long a stored write response answers retries carrying its idempotency-key.'),
  VIEW_FLUSH_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(2000)
    .describe('How often pending post views (Redis hash content:post_views:pending, written by timeline-svc) are added to posts.view_count; 0 disables the timer.'),
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
