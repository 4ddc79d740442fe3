// Following lists cached in Redis for a short TTL (FOLLOWING_CACHE_TTL_MS), shared by every
// timeline replica. member-svc publishes no follow events today, so the TTL is the only
// invalidation: a new follow or unfollow shows in the follow feed within the TTL (a few seconds
// by default; 0 turns the cache off). Only ids are cached, never posts, so a deleted or edited
// post is never stale. A Redis failure is a miss: the feed falls back to member-svc.
import type { Redis } from 'ioredis';

export type CacheResult = 'hit' | 'miss' | 'error';

export interface FollowingCache {
  get(memberId: string): Promise<{ result: CacheResult; ids: string[] | undefined }>;
  put(memberId: string, ids: readonly string[]): Promise<void>;
}

const keyOf = (memberId: string): string => `timeline:followings:${memberId}`;

export function createFollowingCache(redis: Redis, ttlMs: number): FollowingCache {
  return {
    async get(memberId) {
      if (ttlMs === 0) return { result: 'miss', ids: undefined };
      try {
        const raw = await redis.get(keyOf(memberId));
        if (raw === null) return { result: 'miss', ids: undefined };
        return { result: 'hit', ids: raw === '' ? [] : raw.split(',') };
      } catch {
        return { result: 'error', ids: undefined };
      }
    },
    async put(memberId, ids) {
      if (ttlMs === 0) return;
      // Lifetimes spread over 80-120% of the TTL: lists cached together (after a deploy, or a burst
      // of readers) must not all expire in the same instant and send a wave of calls to member-svc.
      const px = Math.max(1, Math.round(ttlMs * (0.8 + 0.4 * Math.random())));
      await redis.set(keyOf(memberId), ids.join(','), 'PX', px).catch(() => undefined);
    },
  };
}
