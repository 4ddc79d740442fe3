// bench/mixed: what a stored follow feed costs in Redis, for the capacity model (bench/CAPACITY.md).
// Samples timeline-svc's feed keys (timeline:feed:{member}, a sorted set of post ids, and its
// timeline:feedmeta:{member} hash; see services/timeline/src/adapters/feed-store.ts) and asks Redis
// for MEMORY USAGE of each. Best effort: if timeline names its keys otherwise, it reports none.
import { Redis } from 'ioredis';

export interface FeedMemory {
  readonly feeds: number;
  readonly sampled: number;
  readonly meanEntries: number;
  readonly meanBytes: number;
  /** Bytes per feed holding the full FEED_CAP entries (mean over sampled feeds with the most entries). */
  readonly bytesAtMaxEntries: number;
  readonly maxEntries: number;
  readonly usedMemory: number;
}

export async function feedMemory(url: string, sample = 200): Promise<FeedMemory> {
  const redis = new Redis(url);
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', 'timeline:feed:*', 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    const sampled = keys.slice(0, sample);
    const rows: { entries: number; bytes: number }[] = [];
    for (const key of sampled) {
      const meta = key.replace('timeline:feed:', 'timeline:feedmeta:');
      const [entries, listBytes, metaBytes] = await Promise.all([redis.zcard(key), redis.memory('USAGE', key), redis.memory('USAGE', meta)]);
      rows.push({ entries, bytes: Number(listBytes ?? 0) + Number(metaBytes ?? 0) });
    }
    const maxEntries = Math.max(0, ...rows.map((r) => r.entries));
    const full = rows.filter((r) => r.entries === maxEntries);
    const mean = (xs: number[]): number => (xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length);
    const usedMemory = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
    return {
      feeds: keys.length, sampled: rows.length, meanEntries: mean(rows.map((r) => r.entries)), meanBytes: mean(rows.map((r) => r.bytes)),
      bytesAtMaxEntries: mean(full.map((r) => r.bytes)), maxEntries, usedMemory,
    };
  } finally {
    redis.disconnect();
  }
}
