// image-svc configuration: parsed once from the environment, validated, typed. Boot fails with
// one line per problem. Every key is documented here and in the README's configuration table.
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CONTRACT_MAX_INPUT_PIXELS } from './domain/upload-rules.ts';

/** Relative IMAGE_ROOT values are taken from the repository root, not from the working directory. */
const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** The contract's upload limit (image.proto): the server may be configured lower, never higher. */
const CONTRACT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
const pixels = z.coerce.number().int().min(16).max(4096);

const port = z.coerce.number().int().min(0).max(65535);
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const schema = z.object({
  GRPC_HOST: z.string().min(1).default('127.0.0.1').describe('Address the gRPC server binds (0.0.0.0 in containers).'),
  GRPC_PORT: port.default(50054).describe('gRPC port; 0 picks a free port (tests).'),
  METRICS_PORT: port.default(9454).describe('Port of the Prometheus /metrics listener; 0 picks a free port.'),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .default('postgres://postgres@127.0.0.1:5432/dailyfeed')
    .describe('PostgreSQL URL; image-svc owns the `image` schema in it.'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10).describe('Maximum PostgreSQL connections.'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379').describe('Redis URL.'),
  LOG_LEVEL: logLevel.default('info').describe('pino log level.'),
  HEALTH_INTERVAL_MS: z.coerce.number().int().min(100).default(5000).describe('How often dependencies are probed for grpc.health.v1.'),
  IMAGE_ROOT: z
    .string()
    .min(1)
    .default('.run/images')
    .transform((dir) => (isAbsolute(dir) ? dir : resolve(REPO_ROOT, dir)))
    .describe('Directory of the stored PNG files (a mounted volume in containers); relative paths start at the repo root.'),
  MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(CONTRACT_MAX_UPLOAD_BYTES)
    .default(CONTRACT_MAX_UPLOAD_BYTES)
    .describe('Largest accepted upload in bytes (the contract allows at most 10 MiB).'),
  MAX_WIDTH: pixels.default(350).describe('Stored images are shrunk to fit this width (aspect ratio kept, never enlarged).'),
  MAX_HEIGHT: pixels.default(350).describe('Stored images are shrunk to fit this height (aspect ratio kept, never enlarged).'),
  THUMBNAIL_SIZE: pixels.default(150).describe('Side of the square, centre-cropped thumbnail.'),
  MAX_INPUT_PIXELS: z.coerce
    .number()
    .int()
    .min(1)
    .max(CONTRACT_MAX_INPUT_PIXELS)
    .default(CONTRACT_MAX_INPUT_PIXELS)
    .describe('Pictures with more pixels (width x height, from the header, before any decoding) are refused with IMAGE_TOO_LARGE; the contract allows at most 50,000,000. Bounds the memory of one decode (~3 bytes per pixel).'),
  DECODE_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(16)
    .default(2)
    .describe('Uploads decoded at once (every format), and the size of the BMP worker-thread pool. Peak decode memory is about this x MAX_INPUT_PIXELS x 3 bytes.'),
  DECODE_QUEUE: z.coerce
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(8)
    .describe('Uploads that may wait for a decode slot; beyond it an upload fails at once with RESOURCE_EXHAUSTED (TOO_MANY_REQUEST; the edge answers 429 + Retry-After).'),
  DECODE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(15000)
    .describe("Longest an upload may wait for a slot and be decoded; work past it, or whose caller's deadline passed or who left, is dropped (TOO_MANY_REQUEST)."),
  MEMBER_ADDR: z.string().min(1).default('127.0.0.1:50051').describe('member-svc gRPC address (MemberService.Authenticate).'),
  MEMBER_TIMEOUT_MS: z.coerce.number().int().min(50).default(2000).describe('Deadline of one call to member-svc.'),
  MEMBER_GRPC_CONFIG_FILE: z
    .string()
    .default('')
    .describe('File of the grpc-js service config for calls to member-svc (retries, timeouts, outlier detection), read once at boot; the mesh generates it (mesh/generated/grpc/member[.under-mesh].json). "" = grpc-js defaults.'),
  MEMBER_RESILIENCE_FILE: z
    .string()
    .default('')
    .describe('File of the resilience profile for calls to member-svc (circuit breaker, client rate limit), read once at boot; the mesh generates it (mesh/generated/resilience/member.json). "" = neither.'),
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
