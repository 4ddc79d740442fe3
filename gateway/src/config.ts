// Gateway configuration: parsed once from the environment, validated, typed; boot fails listing
// every problem.
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const address = z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port');

const schema = z.object({
  HTTP_HOST: z.string().min(1).default('127.0.0.1').describe('Address the REST edge binds (0.0.0.0 in containers).'),
  HTTP_PORT: port.default(8080).describe('REST edge port; 0 picks a free port (tests).'),
  MEMBER_ADDR: address.default('127.0.0.1:50051').describe('member-svc gRPC address.'),
  CONTENT_ADDR: address.default('127.0.0.1:50052').describe('content-svc gRPC address.'),
  TIMELINE_ADDR: address.default('127.0.0.1:50053').describe('timeline-svc gRPC address.'),
  IMAGE_ADDR: address.default('127.0.0.1:50054').describe('image-svc gRPC address.'),
  SEARCH_ADDR: address.default('127.0.0.1:50055').describe('search-svc gRPC address.'),
  ACTIVITY_ADDR: address.default('127.0.0.1:50056').describe('activity-svc gRPC address.'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379').describe('Redis URL (rate-limit buckets).'),
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
