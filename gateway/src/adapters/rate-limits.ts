// Redis-backed rate limits of the REST edge, with @fastify/rate-limit: every API request counts
// against one bucket, its member session's when it carries a bearer token, else its client
// address's (domain/client-identity.ts), each with its own budget. Sessions do not share the
// address bucket: behind a NAT or a proxy many members have one address. Exceeding a budget
// answers 429 + Retry-After through the edge's error handler (the original error body). Redis
// down = no limiting (skipOnError): an outage of the limiter must not take the edge down with it.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { rateLimitBucketOf } from '../domain/client-identity.ts';

export interface RateLimitSettings {
  readonly redis: Redis;
  /** Redis key prefix of the buckets. */
  readonly keyPrefix: string;
  readonly windowMs: number;
  /** Budget of a client address (requests without a bearer token). */
  readonly perIp: number;
  /** Budget of a member session (requests with a bearer token). */
  readonly perMember: number;
}

/** Registers the limit on `app`, then the routes it applies to (registered after it, same scope). */
export async function withRateLimits(app: FastifyInstance, settings: RateLimitSettings, register: (api: FastifyInstance) => Promise<void>): Promise<void> {
  await app.register(rateLimit, {
    redis: settings.redis,
    timeWindow: settings.windowMs,
    skipOnError: true,
    hook: 'onRequest',
    global: true,
    nameSpace: settings.keyPrefix,
    // request.ip honours TRUST_PROXY: the address the trusted hops vouch for, never a client-written one.
    keyGenerator: (req: FastifyRequest) => rateLimitBucketOf(req.headers.authorization, req.ip),
    max: (_req: FastifyRequest, key: string) => (key.startsWith('member:') ? settings.perMember : settings.perIp),
  });
  await register(app);
}
