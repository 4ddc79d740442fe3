// Post views, counted by timeline-svc (which reads the content schema but may not write it) and
// applied here, the write side. The contract between the two services:
//
//   key   content:post_views:pending   a Redis hash: field = post id (decimal), value = views
//   write timeline-svc: HINCRBY content:post_views:pending <postId> 1   (per counted view)
//   read  content-svc: RENAME it to content:post_views:processing:<epochMs>:<uuid> (atomic: new
//         views start a fresh pending hash), HGETALL, one UPDATE ... FROM (VALUES ...), DEL.
//
// A processing key left by a flusher that died before DEL is applied by the next flush once it
// is older than `staleAfterMs` (younger ones may still belong to a live flusher elsewhere). A
// crash between UPDATE and DEL therefore counts those views twice: view counts are approximate,
// and an undercount would be worse.
import { randomUUID } from 'node:crypto';
import type { Knex } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import { query } from './sql.ts';

export const PENDING_VIEWS_KEY = 'content:post_views:pending';
export const PROCESSING_PREFIX = 'content:post_views:processing:';
const CHUNK = 1000;

export interface ViewFlusher {
  /** Applies pending (and stale leftover) views; returns how many views it added. */
  flush(): Promise<number>;
}

export function createViewFlusher(redis: Redis, knex: Knex, staleAfterMs: number): ViewFlusher {
  const apply = async (key: string): Promise<number> => {
    const counts = parseCounts(await redis.hgetall(key));
    let total = 0;
    await knex.transaction(async (trx) => {
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
    await redis.del(key);
    return total;
  };

  return {
    async flush() {
      let total = 0;
      // Taking a key = renaming it to one only this flush knows; of two flushers, one loses.
      for (const key of [...(await staleProcessingKeys(redis, staleAfterMs)), PENDING_VIEWS_KEY]) {
        const mine = `${PROCESSING_PREFIX}${Date.now()}:${randomUUID()}`;
        if (await take(redis, key, mine)) total += await apply(mine);
      }
      return total;
    },
  };
}

async function take(redis: Redis, key: string, into: string): Promise<boolean> {
  try {
    await redis.rename(key, into);
    return true;
  } catch (err: unknown) {
    if (err instanceof Error && /no such key/i.test(err.message)) return false;
    throw err;
  }
}

/** Valid [postId, count] pairs; junk fields (not ids, not positive counts) are dropped. */
function parseCounts(hash: Record<string, string>): [string, string][] {
  return Object.entries(hash).filter(([id, n]) => /^[1-9]\d{0,18}$/.test(id) && /^[1-9]\d{0,15}$/.test(n));
}

async function staleProcessingKeys(redis: Redis, staleAfterMs: number): Promise<string[]> {
  const stale: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PROCESSING_PREFIX}*`, 'COUNT', 100);
    cursor = next;
    for (const key of keys) {
      const startedAt = Number(key.slice(PROCESSING_PREFIX.length).split(':')[0]);
      if (Number.isFinite(startedAt) && Date.now() - startedAt > staleAfterMs) stale.push(key);
    }
  } while (cursor !== '0');
  return stale;
}
