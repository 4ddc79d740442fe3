// Where the follow feed gets a member's following list, cheapest first:
//   1. remembered in process (auth-memory.ts `facts`) while member-svc's revocation channel is
//      heard: member-svc publishes a 'member' message for both sides of every follow and unfollow,
//      which drops the list, so a change shows on the next read;
//   2. while the channel is heard, a miss asks member-svc and remembers the answer (the Redis copy
//      below is skipped: it could be up to its TTL older than the change that dropped the list);
//   3. otherwise cached in Redis for a short TTL (FOLLOWING_CACHE_TTL_MS), shared by every timeline
//      replica, where the TTL is the only invalidation (0 turns it off); a Redis failure is a miss.
// Only ids are kept, never posts, so a deleted or edited post is never stale.
import type { Redis } from 'ioredis';
import type { MemberFacts } from './auth-memory.ts';
import type { Forwarded, MemberDirectory } from './member-client.ts';

export type CacheResult = 'hit' | 'miss' | 'error';
export type FollowingLookup = (memberId: string, fwd: Forwarded) => Promise<string[]>;

const keyOf = (memberId: string): string => `timeline:followings:${memberId}`;

export function createFollowingLookup(
  redis: Redis,
  ttlMs: number,
  facts: MemberFacts,
  members: Pick<MemberDirectory, 'followingIds'>,
  onLookup: (result: CacheResult) => void,
): FollowingLookup {
  const fromRedis = async (memberId: string): Promise<string[] | undefined> => {
    if (ttlMs === 0) return (onLookup('miss'), undefined);
    try {
      const raw = await redis.get(keyOf(memberId));
      onLookup(raw === null ? 'miss' : 'hit');
      return raw === null ? undefined : raw === '' ? [] : raw.split(',');
    } catch {
      onLookup('error');
      return undefined;
    }
  };
  const toRedis = async (memberId: string, ids: readonly string[]): Promise<void> => {
    if (ttlMs === 0) return;
    // Lifetimes spread over 80-120% of the TTL: lists cached together (after a deploy, or a burst
    // of readers) must not all expire in the same instant and send a wave of calls to member-svc.
    const px = Math.max(1, Math.round(ttlMs * (0.8 + 0.4 * Math.random())));
    await redis.set(keyOf(memberId), ids.join(','), 'PX', px).catch(() => undefined);
  };

  return async (memberId, fwd) => {
    const remembered = facts.recall<string[]>('following', memberId);
    if (remembered) return (onLookup('hit'), remembered.value);
    if (facts.heard()) {
      onLookup('miss');
      const since = facts.mark();
      const ids = await members.followingIds(memberId, fwd);
      facts.keep('following', memberId, ids, since);
      return ids;
    }
    const cached = await fromRedis(memberId);
    if (cached !== undefined) return cached;
    const ids = await members.followingIds(memberId, fwd);
    await toRedis(memberId, ids);
    return ids;
  };
}
