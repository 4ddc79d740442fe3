// Member records cached for the hot path (Authenticate runs on every request of every service):
// a small in-process LRU with a short TTL in front of Redis. Writes invalidate both layers here;
// other replicas' in-process entries expire within MEMBER_CACHE_LOCAL_TTL_MS, which bounds how
// stale a profile can be after a change. Redis failures degrade to PostgreSQL, never to errors.
import type { Redis } from 'ioredis';
import type { MemberRecord } from '../domain/member.ts';

const MAX_LOCAL_ENTRIES = 10_000;
const keyOf = (id: string): string => `member:cache:record:${id}`;

export interface MemberCache {
  get(id: string): Promise<MemberRecord | undefined>;
  set(record: MemberRecord): Promise<void>;
  invalidate(ids: readonly string[]): Promise<void>;
}

export interface MemberCacheOptions {
  readonly redis: Redis;
  readonly ttlSeconds: number;
  readonly localTtlMs: number;
  readonly log: { warn(obj: object, msg: string): void };
}

function revive(json: string): MemberRecord {
  const raw = JSON.parse(json) as MemberRecord & { createdAt: string; updatedAt: string };
  return { ...raw, createdAt: new Date(raw.createdAt), updatedAt: new Date(raw.updatedAt) };
}

export function createMemberCache({ redis, ttlSeconds, localTtlMs, log }: MemberCacheOptions): MemberCache {
  const local = new Map<string, { record: MemberRecord; until: number }>();
  const remember = (record: MemberRecord): void => {
    if (localTtlMs <= 0) return;
    local.delete(record.id);
    local.set(record.id, { record, until: Date.now() + localTtlMs });
    if (local.size > MAX_LOCAL_ENTRIES) {
      const oldest = local.keys().next();
      if (!oldest.done) local.delete(oldest.value);
    }
  };
  return {
    async get(id) {
      const hit = local.get(id);
      if (hit && hit.until > Date.now()) return hit.record;
      if (hit) local.delete(id);
      try {
        const json = await redis.get(keyOf(id));
        if (json === null) return undefined;
        const record = revive(json);
        remember(record);
        return record;
      } catch (err: unknown) {
        log.warn({ err }, 'member cache: redis read failed');
        return undefined;
      }
    },
    async set(record) {
      remember(record);
      try {
        await redis.set(keyOf(record.id), JSON.stringify(record), 'EX', ttlSeconds);
      } catch (err: unknown) {
        log.warn({ err }, 'member cache: redis write failed');
      }
    },
    async invalidate(ids) {
      for (const id of ids) local.delete(id);
      if (ids.length === 0) return;
      try {
        await redis.del(...ids.map(keyOf));
      } catch (err: unknown) {
        log.warn({ err }, 'member cache: redis invalidation failed');
      }
    },
  };
}
