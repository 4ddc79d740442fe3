// Materialized post lists in Redis (derived data: every entry can be rebuilt from content's
// tables). Two kinds share one shape:
//   feed:   a member's follow feed, fed by fan-out on write (POST_CREATE of the authors they
//           follow) and rebuilt from PostgreSQL when missing or built for another following list;
//   author: the recent posts of a heavy author (very many followers), merged into followers'
//           pages at read time instead of being fanned out (pull-and-merge).
// Per list two keys in one Redis Cluster slot (hash tag on the owner id):
//   timeline:{kind}:{id}        sorted set, member = zero-padded post id, score = created_at in µs
//   timeline:{kind}meta:{id}    hash: fp (following fingerprint, feeds only), complete (0/1)
// Per author one more key, the fan-out's address list:
//   timeline:readers:{author}   sorted set, member = a member whose stored feed was built with
//                               this author in its following list, score = that build's time (ms)
// A list is valid while its meta hash exists; both expire together (LIST_TTL). The sorted set
// keeps at most `cap` entries, the newest; trimming marks the list incomplete.
// Only ids and times live here, never post bodies: rows are always read fresh from PostgreSQL.
import type { Redis, Result } from 'ioredis';
import { idOf, memberOf, type FeedEntry } from '../domain/feed.ts';

export type ListKind = 'feed' | 'author';

export interface StoredList {
  /** Undefined when the list does not exist (never built, or expired). */
  readonly meta: { readonly fp: string; readonly complete: boolean } | undefined;
  readonly size: number;
  /** Entries at ranks [start, stop], newest first. */
  readonly entries: FeedEntry[];
}

/** Redis could not answer (down, refusing commands while offline, timed out): readers fall back to PostgreSQL. */
export class FeedStoreUnavailable extends Error {
  constructor(cause: unknown) {
    super('the feed store (Redis) is unavailable', { cause });
    this.name = 'FeedStoreUnavailable';
  }
}

export interface FeedStore {
  /** One round trip: meta, size and the entries at ranks [start, stop] of each list. */
  load(kind: ListKind, ids: readonly string[], start: number, stop: number): Promise<StoredList[]>;
  /** Replaces a list with freshly built entries (newest `cap` at most). */
  replace(kind: ListKind, id: string, fp: string, entries: readonly FeedEntry[], complete: boolean): Promise<void>;
  /** Adds entries to each existing list among `ids` (lists not built are left alone); trims to the cap. Returns how many lists took them. */
  add(kind: ListKind, ids: readonly string[], entries: readonly FeedEntry[]): Promise<number>;
  /** Removes posts from the lists. */
  remove(kind: ListKind, ids: readonly string[], postIds: readonly string[]): Promise<void>;
  /**
   * Whole lists of heavy authors (every follower's read merges them), cached in process for
   * AUTHOR_LIST_CACHE_MS: a heavy author's new post reaches readers served by another replica up
   * to that much later. Adds, removals and rebuilds through this store drop the local copy.
   */
  authorLists(authorIds: readonly string[]): Promise<StoredList[]>;
  /** Authors whose posts are merged at read time rather than fanned out (cached in process for a few seconds). */
  heavyAuthors(): Promise<ReadonlySet<string>>;
  markHeavy(authorId: string): Promise<void>;
  /**
   * Marks every stored follow feed stale: each is treated as missing, so rebuilt from PostgreSQL,
   * on its next read (other replicas see the mark within STALE_REFRESH_MS). The fan-out consumer
   * calls it when it abandons a chunk, whose posts would otherwise be missing from the feeds.
   */
  markFeedsStale(): Promise<void>;
  /**
   * Records that `memberId`'s feed, built now, follows `authorIds`: the fan-out of their posts
   * goes to it (see readers). Called right after the feed is stored.
   */
  subscribe(memberId: string, authorIds: readonly string[]): Promise<void>;
  /**
   * The members whose stored feed may want this author's posts: every feed built with the author
   * in its following list and not yet expired. It can name a feed that has since dropped the
   * author (an unfollow; readers drop such posts) or expired early (adds skip missing lists); it
   * never misses a live feed that follows the author.
   */
  readers(authorId: string): Promise<string[]>;
}

const listKey = (kind: ListKind, id: string): string => `timeline:${kind}:{${id}}`;
const metaKey = (kind: ListKind, id: string): string => `timeline:${kind}meta:{${id}}`;
const readersKey = (authorId: string): string => `timeline:readers:{${authorId}}`;
const HEAVY_KEY = 'timeline:heavy-authors';
// Feeds built before this time (ms, set by markFeedsStale) are stale.
const STALE_KEY = 'timeline:feeds-stale-before';
const STALE_REFRESH_MS = 5000;
const HEAVY_REFRESH_MS = 5000;
const AUTHOR_LIST_CACHE_MS = 1000;

// KEYS: meta, list. ARGV: cap, the server's compact-encoding limit (0: unknown), then
// score/member pairs. Adds only to a list that exists, keeps
// the newest `cap` (marking the list incomplete when it trims) and gives a list that had become
// empty (deleted by Redis) the meta's remaining lifetime again. A sorted set that grew past
// zset-max-listpack-entries for a moment (a batch of adds before the trim) stays a skiplist in
// Redis, four times the memory, even once trimmed: such a list is written anew, compact again.
const ADD_SCRIPT = `
if redis.call('exists', KEYS[1]) == 0 then return 0 end
local cap = tonumber(ARGV[1])
for i = 3, #ARGV, 2 do redis.call('zadd', KEYS[2], ARGV[i], ARGV[i + 1]) end
if redis.call('zcard', KEYS[2]) > cap then
  redis.call('zremrangebyrank', KEYS[2], 0, -(cap + 1))
  redis.call('hset', KEYS[1], 'complete', '0')
  if cap <= tonumber(ARGV[2]) and redis.call('object', 'encoding', KEYS[2]) == 'skiplist' then
    local ttl = redis.call('pttl', KEYS[2])
    local all = redis.call('zrange', KEYS[2], 0, -1, 'WITHSCORES')
    redis.call('del', KEYS[2])
    for i = 1, #all, 2 do redis.call('zadd', KEYS[2], all[i + 1], all[i]) end
    if ttl > 0 then redis.call('pexpire', KEYS[2], ttl) end
  end
end
if redis.call('pttl', KEYS[2]) == -1 then
  local ttl = redis.call('pttl', KEYS[1])
  if ttl > 0 then redis.call('pexpire', KEYS[2], ttl) end
end
return 1`;

// KEYS: meta, list. ARGV: start, stop. One command for what a read needs: fp, complete, size,
// build time, then the entries at ranks [start, stop] as member/score pairs (meta fields false
// when absent).
const LOAD_SCRIPT = `
local meta = redis.call('hmget', KEYS[1], 'fp', 'complete', 'built')
local out = { meta[1], meta[2], redis.call('zcard', KEYS[2]), meta[3] }
local range = redis.call('zrevrange', KEYS[2], ARGV[1], ARGV[2], 'WITHSCORES')
for i = 1, #range do out[#out + 1] = range[i] end
return out`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    timelineAddToList(meta: string, list: string, ...args: (string | number)[]): Result<number, Context>;
    timelineLoadList(meta: string, list: string, start: number, stop: number): Result<(string | number | null)[], Context>;
  }
}

export function createFeedStore(redis: Redis, cap: number, ttlMs: number, now: () => number = Date.now): FeedStore {
  redis.defineCommand('timelineAddToList', { numberOfKeys: 2, lua: ADD_SCRIPT });
  redis.defineCommand('timelineLoadList', { numberOfKeys: 2, lua: LOAD_SCRIPT });
  // zset-max-listpack-entries of this server: sorted sets up to that size use the compact
  // encoding. Unknown (CONFIG refused, as on some managed Redis) = never rewrite a list.
  let compactEntries = 0;
  void (redis.config('GET', 'zset-max-listpack-entries') as Promise<string[]>).then(
    ([, value]) => void (compactEntries = Number(value ?? 0) || 0),
    () => undefined,
  );
  let heavy: { ids: Set<string>; at: number } | undefined;
  let stale: { before: number; at: number } | undefined;
  const staleBefore = async (): Promise<number> => {
    if (stale && now() - stale.at < STALE_REFRESH_MS) return stale.before;
    stale = { before: Number((await redis.get(STALE_KEY)) ?? 0), at: now() };
    return stale.before;
  };
  const authorCache = new Map<string, { list: StoredList; at: number }>();
  const forget = (kind: ListKind, ids: readonly string[]): void => {
    if (kind === 'author') for (const id of ids) authorCache.delete(id);
  };

  const pairs = (entries: readonly FeedEntry[]): (string | number)[] => entries.flatMap((e) => [e.micros, memberOf(e.id)]);

  const store: FeedStore = {
    async load(kind, ids, start, stop) {
      if (ids.length === 0) return [];
      const [replies, before] = await Promise.all([
        Promise.all(ids.map((id) => redis.timelineLoadList(metaKey(kind, id), listKey(kind, id), start, stop))),
        kind === 'feed' ? staleBefore() : 0,
      ]);
      return replies.map((reply) => {
        // Lua turns a missing field (nil) into false, which arrives as null.
        const [fp, complete, size, built] = reply;
        const entries: FeedEntry[] = [];
        for (let j = 4; j < reply.length; j += 2) entries.push({ id: idOf(String(reply[j])), micros: Number(reply[j + 1]) });
        const fresh = typeof complete === 'string' && Number(built ?? 0) >= before;
        const meta = fresh ? { fp: typeof fp === 'string' ? fp : '', complete: complete === '1' } : undefined;
        return { meta, size: Number(size), entries };
      });
    },

    async replace(kind, id, fp, entries, complete) {
      forget(kind, [id]);
      const tx = redis.multi();
      tx.del(listKey(kind, id));
      for (let i = 0; i < entries.length; i += 500) tx.zadd(listKey(kind, id), ...pairs(entries.slice(i, i + 500)));
      if (entries.length > 0) tx.pexpire(listKey(kind, id), ttlMs);
      tx.hset(metaKey(kind, id), 'fp', fp, 'complete', complete ? '1' : '0', 'built', String(now()));
      tx.pexpire(metaKey(kind, id), ttlMs);
      const replies = (await tx.exec()) ?? [];
      for (const [err] of replies) if (err) throw err;
    },

    async add(kind, ids, entries) {
      if (ids.length === 0 || entries.length === 0) return 0;
      forget(kind, ids);
      const pipeline = redis.pipeline();
      const args = pairs(entries);
      for (const id of ids) pipeline.timelineAddToList(metaKey(kind, id), listKey(kind, id), cap, compactEntries, ...args);
      const replies = (await pipeline.exec()) ?? [];
      let applied = 0;
      for (const [err, result] of replies) {
        if (err) throw err;
        applied += result === 1 ? 1 : 0;
      }
      return applied;
    },

    async remove(kind, ids, postIds) {
      if (ids.length === 0 || postIds.length === 0) return;
      forget(kind, ids);
      const pipeline = redis.pipeline();
      const members = postIds.map(memberOf);
      for (const id of ids) pipeline.zrem(listKey(kind, id), ...members);
      const replies = (await pipeline.exec()) ?? [];
      for (const [err] of replies) if (err) throw err;
    },

    async authorLists(authorIds) {
      const t = now();
      const missing = authorIds.filter((id) => (authorCache.get(id)?.at ?? -Infinity) + AUTHOR_LIST_CACHE_MS <= t);
      const loaded = await store.load('author', missing, 0, cap - 1);
      missing.forEach((id, i) => {
        const list = loaded[i]!;
        if (list.meta !== undefined) authorCache.set(id, { list, at: t });
        else authorCache.delete(id);
      });
      return authorIds.map((id) => authorCache.get(id)?.list ?? { meta: undefined, size: 0, entries: [] });
    },

    async heavyAuthors() {
      if (heavy && now() - heavy.at < HEAVY_REFRESH_MS) return heavy.ids;
      const ids = new Set(await redis.smembers(HEAVY_KEY));
      heavy = { ids, at: now() };
      return ids;
    },

    async markHeavy(authorId) {
      // Membership is sticky: an author who drops under the threshold stays pulled, so that no
      // post of theirs sits only in an author list that readers stopped merging.
      await redis.sadd(HEAVY_KEY, authorId);
      heavy?.ids.add(authorId);
    },

    async markFeedsStale() {
      const t = now();
      await redis.set(STALE_KEY, String(t));
      stale = { before: t, at: t };
    },

    async subscribe(memberId, authorIds) {
      if (authorIds.length === 0) return;
      const t = now();
      const pipeline = redis.pipeline();
      for (const authorId of authorIds) {
        pipeline.zadd(readersKey(authorId), t, memberId);
        pipeline.pexpire(readersKey(authorId), ttlMs);
      }
      const replies = (await pipeline.exec()) ?? [];
      for (const [err] of replies) if (err) throw err;
    },

    async readers(authorId) {
      // A feed lives ttlMs from its build and every rebuild moves its score up, so an entry older
      // than that names an expired feed: dropped here, in the same round trip.
      const replies = (await redis.multi().zremrangebyscore(readersKey(authorId), '-inf', `(${now() - ttlMs}`).zrange(readersKey(authorId), 0, -1).exec()) ?? [];
      for (const [err] of replies) if (err) throw err;
      return replies[1]?.[1] as string[];
    },
  };
  // Every failure of this store surfaces as one type, whatever ioredis threw.
  const guarded =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args);
      } catch (err: unknown) {
        throw err instanceof FeedStoreUnavailable ? err : new FeedStoreUnavailable(err);
      }
    };
  return {
    load: guarded(store.load.bind(store)),
    replace: guarded(store.replace.bind(store)),
    add: guarded(store.add.bind(store)),
    remove: guarded(store.remove.bind(store)),
    authorLists: guarded(store.authorLists.bind(store)),
    heavyAuthors: guarded(store.heavyAuthors.bind(store)),
    markHeavy: guarded(store.markHeavy.bind(store)),
    markFeedsStale: guarded(store.markFeedsStale.bind(store)),
    subscribe: guarded(store.subscribe.bind(store)),
    readers: guarded(store.readers.bind(store)),
  };
}
