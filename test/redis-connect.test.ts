// Each service's Redis wiring (src/adapters/redis.ts), one table: the first connection is awaited
// at boot, and a Redis that refuses connections gives up at once instead of holding boot for the
// whole wait.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import type { ServiceName } from './support/spawn-service.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SERVICES: readonly ServiceName[] = ['member', 'content', 'timeline', 'image', 'search', 'activity'];

interface RedisAdapter {
  readonly connectRedis: (url: string) => Redis;
  readonly waitForRedis: (redis: Redis, timeoutMs: number) => Promise<boolean>;
}

for (const service of SERVICES) {
  describe(`${service}-svc Redis connection`, () => {
    const load = async () => (await import(`../services/${service}/src/adapters/redis.ts`)) as RedisAdapter;

    it('when Redis answers, then the wait reports the connection and commands run', async () => {
      const { connectRedis, waitForRedis } = await load();
      const redis = connectRedis(REDIS_URL);
      try {
        assert.equal(await waitForRedis(redis, 5000), true);
        assert.equal(await waitForRedis(redis, 5000), true, 'an open connection answers at once');
        assert.equal(await redis.ping(), 'PONG');
      } finally {
        redis.disconnect();
      }
    });

    it('when Redis refuses connections, then the wait gives up on the first error, well before its timeout, and commands fail fast', async () => {
      const { connectRedis, waitForRedis } = await load();
      const redis = connectRedis('redis://127.0.0.1:1');
      redis.on('error', () => undefined);
      try {
        const started = Date.now();
        assert.equal(await waitForRedis(redis, 20_000), false);
        assert.ok(Date.now() - started < 10_000, `gave up after ${Date.now() - started} ms`);
        await assert.rejects(redis.get('k'));
      } finally {
        redis.disconnect();
      }
    });
  });
}
