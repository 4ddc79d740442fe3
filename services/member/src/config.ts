// member-svc configuration: parsed once from the environment, validated, typed. Boot fails with
// one line per problem. Every key is documented here and in the README's configuration table.
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const schema = z.object({
  GRPC_HOST: z.string().min(1).default('127.0.0.1').describe('Address the gRPC server binds (0.0.0.0 in containers).'),
  GRPC_PORT: port.default(50051).describe('gRPC port; 0 picks a free port (tests).'),
  METRICS_PORT: port.default(9451).describe('Port of the Prometheus /metrics listener; 0 picks a free port.'),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .default('postgres://postgres@127.0.0.1:5432/dailyfeed')
    .describe('PostgreSQL URL; member-svc owns the `member` schema in it.'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10).describe('Maximum PostgreSQL connections.'),
  IMAGE_GRPC_CONFIG_FILE: z
    .string()
    .default('')
    .describe('File of the grpc-js service config for calls to image-svc (retries, timeouts, outlier detection), read once at boot; the mesh generates it (mesh/generated/grpc/image[.under-mesh].json). "" = grpc-js defaults.'),
  IMAGE_RESILIENCE_FILE: z
    .string()
    .default('')
    .describe('File of the resilience profile for calls to image-svc (circuit breaker, client rate limit), read once at boot; the mesh generates it (mesh/generated/resilience/image.json). "" = neither.'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379').describe('Redis URL.'),
  REVOCATION_CHANNEL: z
    .string()
    .min(1)
    .default('dailyfeed:member:revocations')
    .describe('Redis pub/sub channel on which revocations and heartbeats are published; every service that remembers Authenticate answers must listen on the same one. Pub/sub ignores the Redis database number, so deployments (or test runs) sharing a Redis server need different channels.'),
  AUTH_ANSWER_TTL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(3_600_000)
    .default(600_000)
    .describe("Longest life of an Authenticate answer written to Redis for other services to read instead of calling (never past the token's exp; every revocation deletes it at once). Longer: more writes of a member find it; shorter: a tighter bound on an answer whose deletion failed. 0 = write none."),
  LOG_LEVEL: logLevel.default('info').describe('pino log level.'),
  HEALTH_INTERVAL_MS: z.coerce.number().int().min(100).default(5000).describe('How often dependencies are probed for grpc.health.v1.'),
  SHUTDOWN_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(10000)
    .describe('Graceful-shutdown deadline; in-flight calls are cancelled after it.'),
  JWT_ISSUER: z.string().min(1).default('https://dailyfeed.click/member').describe('`iss` of issued access tokens, checked on verification; signing keys belong to an issuer.'),
  JWT_AUDIENCE: z.string().min(1).default('dailyfeed').describe('`aud` of issued access tokens, checked on verification.'),
  ACCESS_TOKEN_TTL_S: z.coerce.number().int().min(1).max(7 * 24 * 3600).default(3600).describe('Access-token lifetime in seconds.'),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().positive().max(365).default(30).describe('Refresh-token lifetime in days.'),
  KEY_ROTATION_HOURS: z.coerce.number().positive().default(24).describe('A new primary signing key is created when the current one is older than this.'),
  KEY_GRACE_HOURS: z.coerce.number().positive().default(48).describe('How long a demoted key keeps verifying tokens before it is retired.'),
  KEY_CHECK_INTERVAL_MS: z.coerce.number().int().min(1000).default(300_000).describe('How often the in-process rotation check runs.'),
  KEY_CACHE_REFRESH_MS: z.coerce.number().int().min(100).default(30_000).describe('How often the in-memory key store reloads keys from PostgreSQL.'),
  KEY_ENCRYPTION_SECRET: z
    .string()
    .min(32)
    .optional()
    .describe('When set (at least 32 characters), private signing keys are stored AES-256-GCM encrypted with a key derived from it.'),
  PASSWORD_SCRYPT_LOG_N: z.coerce
    .number()
    .int()
    .min(14)
    .max(20)
    .default(17)
    .describe('scrypt cost as log2(N) for new password hashes (OWASP: 17, r=8, p=1). Stored hashes keep their own cost.'),
  PASSWORD_HASH_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(16)
    .default(2)
    .describe('Password hashes (scrypt) computed at once; about one per core, so logins cannot starve everything else.'),
  PASSWORD_HASH_QUEUE: z.coerce
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(8)
    .describe('Hashes that may wait for a slot; beyond it, and when the wait would outlast the caller\'s deadline, login/signup fail at once with RESOURCE_EXHAUSTED.'),
  PASSWORD_HASH_PER_CLIENT: z.coerce
    .number()
    .int()
    .min(0)
    .default(1)
    .describe('Running + queued hashes one client address may hold (0 = unbounded): a flood from one address takes one slot, not all.'),
  PASSWORD_HASH_MAX_WAIT_MS: z.coerce.number().int().min(0).default(1500).describe('Longest a login/signup waits for a hashing slot before failing with RESOURCE_EXHAUSTED.'),
  AUTH_THROTTLE_WINDOW_S: z.coerce.number().int().min(1).default(60).describe('Window of the login and signup throttles, in seconds.'),
  LOGINS_PER_ADDRESS: z.coerce.number().int().min(1).default(30).describe('Login attempts per client address per window.'),
  FAILED_LOGINS_PER_ACCOUNT: z.coerce
    .number()
    .int()
    .min(1)
    .default(50)
    .describe('Failed logins per email per window, from any address; more are refused until the window ends. Above LOGINS_PER_ADDRESS, so one address alone cannot lock an account out.'),
  SIGNUPS_PER_ADDRESS: z.coerce.number().int().min(1).default(10).describe('Signups per client address per window.'),
  MEMBER_CACHE_TTL_S: z.coerce.number().int().min(1).default(300).describe('TTL of member views cached in Redis (invalidated on change).'),
  MEMBER_CACHE_LOCAL_TTL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(2000)
    .describe('TTL of the in-process member-view cache; bounds how stale another replica can be after a change.'),
  IMAGE_ADDR: z.string().min(1).default('127.0.0.1:50054').describe('image-svc gRPC address (previous avatars are deleted there; signup avatars are claimed there).'),
  IMAGE_TIMEOUT_MS: z.coerce.number().int().min(50).default(3000).describe('Deadline of calls to image-svc.'),
});

export type Config = Readonly<z.infer<typeof schema>>;

/** The settings from the environment; a bad value throws zod's ZodError, naming every variable and rule. */
export const loadConfig = (env: Readonly<Record<string, string | undefined>>): Config => schema.parse(env);

/** docs/configuration.md is generated from its keys, descriptions and defaults (scripts/env-docs.ts). */
export { schema as configSchema };
