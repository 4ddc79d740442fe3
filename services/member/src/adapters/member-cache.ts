// Member records cached for the hot path (Authenticate runs on every request of every service):
// a small in-process LRU with a short TTL in front of Redis. Writes invalidate both layers here;
// other replicas' in-process entries expire within MEMBER_CACHE_LOCAL_TTL_MS, which bounds how
// stale a profile can be after a change. Redis failures degrade to PostgreSQL, never to errors.
//
// A reader that misses goes to PostgreSQL and fills the cache afterwards. If an invalidation
// lands between its read and its fill, the fill would put back the old record (a deactivated
// member stays active for the whole TTL). So every lookup returns a ticket — the id's generation
// in Redis (bumped by each invalidation, read in the same round trip as the record) and the local
// invalidation count — and a fill only lands when the generation is still the one of the ticket
// (checked and written atomically by a script). Invalidations are pushed to the services that
// remember Authenticate answers (the answer carries the profile).
import type { Redis } from 'ioredis';
import type { MemberRecord } from '../domain/member.ts';
import type { RevocationPublisher } from './revocation-publisher.ts';

const MAX_LOCAL_ENTRIES = 10_000;
const keyOf = (id: string): string => `member:cache:record:${id}`;
export const generationKeyOf = (id: string): string => `member:cache:gen:${id}`;

/** Writes the record only if the id's generation still equals the ticket's. */
const FILL_IF_CURRENT = `if (redis.call('GET', KEYS[2]) or '') == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) return 1 end return 0`;

export interface CacheTicket {
  readonly generation: string;
  readonly localEpoch: number;
}

export interface MemberCache {
  /** The cached record, if any, and the ticket a later fill() must present. */
  lookup(id: string): Promise<{ record: MemberRecord | undefined; ticket: CacheTicket }>;
  /** Caches a record read after lookup(); dropped when an invalidation happened in between. */
  fill(record: MemberRecord, ticket: CacheTicket): Promise<void>;
  invalidate(ids: readonly string[]): Promise<void>;
}

export interface MemberCacheOptions {
  readonly redis: Redis;
  readonly ttlSeconds: number;
  readonly localTtlMs: number;
  readonly revocations: RevocationPublisher;
  readonly log: { warn(obj: object, msg: string): void };
}

function revive(json: string): MemberRecord {
  const raw = JSON.parse(json) as MemberRecord & { createdAt: string; updatedAt: string };
  return { ...raw, createdAt: new Date(raw.createdAt), updatedAt: new Date(raw.updatedAt) };
}

export function createMemberCache({ redis, ttlSeconds, localTtlMs, revocations, log }: MemberCacheOptions): MemberCache {
  const local = new Map<string, { record: MemberRecord; until: number }>();
  // Counts local invalidations: a fill that started before one is not kept in process.
  let localEpoch = 0;
  const generationTtl = Math.max(ttlSeconds * 2, 3600);
  const remember = (record: MemberRecord, ticket: CacheTicket): void => {
    if (localTtlMs <= 0 || ticket.localEpoch !== localEpoch) return;
    local.delete(record.id);
    local.set(record.id, { record, until: Date.now() + localTtlMs });
    if (local.size > MAX_LOCAL_ENTRIES) {
      const oldest = local.keys().next();
      if (!oldest.done) local.delete(oldest.value);
    }
  };
  return {
    async lookup(id) {
      const hit = local.get(id);
      if (hit && hit.until > Date.now()) return { record: hit.record, ticket: { generation: '', localEpoch } };
      if (hit) local.delete(id);
      const epoch = localEpoch;
      try {
        const [json = null, generation = null] = await redis.mget(keyOf(id), generationKeyOf(id));
        const ticket = { generation: generation ?? '', localEpoch: epoch };
        if (json === null) return { record: undefined, ticket };
        const record = revive(json);
        remember(record, ticket);
        return { record, ticket };
      } catch (err: unknown) {
        log.warn({ err }, 'member cache: redis read failed');
        // No generation known: an impossible one keeps the fill out of Redis.
        return { record: undefined, ticket: { generation: '-', localEpoch: epoch } };
      }
    },
    async fill(record, ticket) {
      remember(record, ticket);
      if (ticket.generation === '-') return;
      try {
        await redis.eval(FILL_IF_CURRENT, 2, keyOf(record.id), generationKeyOf(record.id), ticket.generation, JSON.stringify(record), ttlSeconds);
      } catch (err: unknown) {
        log.warn({ err }, 'member cache: redis write failed');
      }
    },
    async invalidate(ids) {
      localEpoch += 1;
      for (const id of ids) local.delete(id);
      if (ids.length === 0) return;
      try {
        const batch = redis.multi();
        for (const id of ids) batch.incr(generationKeyOf(id)).expire(generationKeyOf(id), generationTtl);
        await batch.del(...ids.map(keyOf)).exec();
      } catch (err: unknown) {
        log.warn({ err }, 'member cache: redis invalidation failed');
      }
      await revocations.revoke('member', ids);
    },
  };
}
