// The Redis fast path of dedup. Only a hint: a key is written after its row is durable in
// PostgreSQL (so a crash between the two can only cause an extra, harmless ON CONFLICT), and a
// Redis that is down or slow just sends everything to PostgreSQL.
import type { Redis } from 'ioredis';
import { dedupKey } from '../domain/activity-event.ts';

export interface DedupCache {
  /** The message keys already known to be stored; empty when Redis does not answer. */
  known(messageKeys: readonly string[]): Promise<Set<string>>;
  remember(messageKeys: readonly string[]): Promise<void>;
}

export interface DedupLog {
  debug(obj: object, msg: string): void;
}

export function createDedupCache(redis: Redis, ttlSeconds: number, log: DedupLog): DedupCache {
  return {
    async known(messageKeys) {
      if (messageKeys.length === 0 || redis.status !== 'ready') return new Set();
      try {
        const values = await redis.mget(...messageKeys.map(dedupKey));
        return new Set(messageKeys.filter((_, i) => values[i] !== null));
      } catch (err: unknown) {
        log.debug({ err }, 'dedup lookup failed; PostgreSQL decides');
        return new Set();
      }
    },
    async remember(messageKeys) {
      if (messageKeys.length === 0 || redis.status !== 'ready') return;
      const pipeline = redis.pipeline();
      for (const key of messageKeys) pipeline.set(dedupKey(key), '1', 'EX', ttlSeconds, 'NX');
      try {
        await pipeline.exec();
      } catch (err: unknown) {
        log.debug({ err }, 'dedup hint not written');
      }
    },
  };
}
