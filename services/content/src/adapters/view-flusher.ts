// Post views, counted by timeline-svc (which reads the content schema but may not write it) and
// applied here, the write side. The contract between the two services:
//
//   key   content:post_views:pending   a Redis hash: field = post id (decimal), value = views
//   write timeline-svc: HINCRBY content:post_views:pending <postId> 1   (per counted view)
//   read  content-svc: RENAME it to content:post_views:processing:<epochMs>:<uuid> (atomic: new
//         views start a fresh pending hash) and list that name in the sorted set
//         content:post_views:processing-keys (score = epochMs) in the same script, HGETALL, one
//         UPDATE ... FROM (VALUES ...), then DEL the key and drop it from the list.
//
// A processing key left by a flusher that died before DEL is applied by the next flush once it
// is older than `staleAfterMs` (younger ones may still belong to a live flusher elsewhere). A
// crash between UPDATE and DEL therefore counts those views twice: view counts are approximate,
// and an undercount would be worse. Leftovers are found in the list, not by scanning: a SCAN
// walks every key of the database (the stored feeds live there too), and a flush every 2 s cost
// content and Redis more CPU than the views it applied. The first flush of a process scans once,
// for keys left by a flusher that predates the list.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Redis, Result } from 'ioredis';
import { query, transaction } from './sql.ts';

export const PENDING_VIEWS_KEY = 'content:post_views:pending';
export const PROCESSING_PREFIX = 'content:post_views:processing:';
export const PROCESSING_KEYS = 'content:post_views:processing-keys';
const CHUNK = 1000;

// KEYS: the key to take, the name to take it under, the list. ARGV: the time (ms). 0 when there
// is nothing to take (no error reply to build and throw away on every idle flush); a listed key
// that is gone leaves the list.
const TAKE_SCRIPT = `
if redis.call('exists', KEYS[1]) == 0 then
  redis.call('zrem', KEYS[3], KEYS[1])
  return 0
end
redis.call('rename', KEYS[1], KEYS[2])
redis.call('zrem', KEYS[3], KEYS[1])
redis.call('zadd', KEYS[3], ARGV[1], KEYS[2])
return 1`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    contentTakeViews(key: string, into: string, list: string, at: number): Result<number, Context>;
  }
}

export interface ViewFlusher {
  /** Applies pending (and stale leftover) views; returns how many views it added. */
  flush(): Promise<number>;
}

export function createViewFlusher(redis: Redis, pool: pg.Pool, staleAfterMs: number): ViewFlusher {
  redis.defineCommand('contentTakeViews', { numberOfKeys: 3, lua: TAKE_SCRIPT });
  let scanned = false;
  const apply = async (key: string): Promise<number> => {
    const counts = parseCounts(await redis.hgetall(key));
    let total = 0;
    await transaction(pool, async (trx) => {
      for (let i = 0; i < counts.length; i += CHUNK) {
        const chunk = counts.slice(i, i + CHUNK);
        await query(
          trx,
          `update content.posts p set view_count = p.view_count + v.n
             from (values ${chunk.map(() => '(?::bigint, ?::bigint)').join(', ')}) as v(id, n)
            where p.id = v.id`,
          chunk.flatMap(([id, n]) => [id, n]),
        );
      }
    });
    for (const [, n] of counts) total += Number(n);
    await redis.multi().del(key).zrem(PROCESSING_KEYS, key).exec();
    return total;
  };

  return {
    async flush() {
      let total = 0;
      // Taking a key = renaming it to one only this flush knows; of two flushers, one loses.
      const cutoff = Date.now() - staleAfterMs;
      const stale = await redis.zrangebyscore(PROCESSING_KEYS, '-inf', `(${cutoff}`);
      if (!scanned) stale.push(...(await unlistedProcessingKeys(redis, cutoff)));
      scanned = true;
      for (const key of [...new Set(stale), PENDING_VIEWS_KEY]) {
        const now = Date.now();
        const mine = `${PROCESSING_PREFIX}${now}:${randomUUID()}`;
        if ((await redis.contentTakeViews(key, mine, PROCESSING_KEYS, now)) === 1) total += await apply(mine);
      }
      return total;
    },
  };
}

/** Valid [postId, count] pairs; junk fields (not ids, not positive counts) are dropped. */
function parseCounts(hash: Record<string, string>): [string, string][] {
  return Object.entries(hash).filter(([id, n]) => /^[1-9]\d{0,18}$/.test(id) && /^[1-9]\d{0,15}$/.test(n));
}

async function unlistedProcessingKeys(redis: Redis, cutoff: number): Promise<string[]> {
  const stale: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PROCESSING_PREFIX}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const startedAt = Number(key.slice(PROCESSING_PREFIX.length).split(':')[0]);
      if (Number.isFinite(startedAt) && startedAt < cutoff) stale.push(key);
    }
  } while (cursor !== '0');
  return stale;
}
