// Redis-backed rate limits of the REST edge, with @fastify/rate-limit: one bucket per client IP
// and, for requests with a bearer token, one per member session (see domain/client-identity.ts).
// Each limit is its own registration of the plugin in nested contexts, so both apply to every
// API route and each keeps its own Redis namespace. Exceeding either answers 429 + Retry-After
// through the edge's error handler (the original error body). Redis down = no limiting
// (skipOnError): an outage of the limiter must not take the edge down with it.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { memberBucketOf } from '../domain/client-identity.ts';

export interface RateLimitSettings {
  readonly redis: Redis;
  /** Redis key prefix of the buckets. */
  readonly keyPrefix: string;
  readonly windowMs: number;
  readonly perIp: number;
  readonly perMember: number;
}

const memberKey = (req: FastifyRequest): string => memberBucketOf(req.headers.authorization) ?? '-';

/** Registers the per-IP limit on `app` and returns a child context carrying the per-member one. */
export async function withRateLimits(app: FastifyInstance, settings: RateLimitSettings, register: (api: FastifyInstance) => Promise<void>): Promise<void> {
  const common = { redis: settings.redis, timeWindow: settings.windowMs, skipOnError: true, hook: 'onRequest' as const, global: true };
  await app.register(rateLimit, { ...common, nameSpace: `${settings.keyPrefix}ip:`, max: settings.perIp, keyGenerator: (req) => req.ip });
  await app.register(async (api) => {
    await api.register(rateLimit, {
      ...common,
      nameSpace: `${settings.keyPrefix}member:`,
      max: settings.perMember,
      keyGenerator: memberKey,
      allowList: (req) => memberBucketOf(req.headers.authorization) === undefined,
    });
    await register(api);
  });
}
