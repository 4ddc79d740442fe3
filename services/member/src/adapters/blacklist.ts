// The access-token blacklist: Redis answers the hot path (`member:authentication:blacklist:{jti}`
// with TTL = the token's remaining lifetime); PostgreSQL keeps the durable row.
//
// Redis may lose its data (a restart without persistence, FLUSHALL, a failover to an empty
// replica) without ever throwing. A marker key, written only after every unexpired row has been
// copied from PostgreSQL, tells the two cases apart: it is read in the same MGET as the jti, so
// the hot path stays one round trip. Marker absent -> Redis does not hold the full list: the
// answer comes from PostgreSQL and a reload (one at a time) copies every unexpired revocation back
// and sets the marker. A Redis error also falls back to PostgreSQL. Either way an outage or a data
// loss slows Authenticate down but never lets a revoked token through.
//
// Every added revocation is pushed to the services that remember Authenticate answers.
import type { Redis } from 'ioredis';
import type { RevocationPublisher } from './revocation-publisher.ts';
import type { SessionsRepo } from './sessions-repo.ts';
import { asDate, type Sql } from './sql.ts';

export type BlacklistState = 'blacklisted' | 'not-blacklisted';

export interface Blacklist {
  add(jti: string, memberId: string, expiresAt: Date, reason: string): Promise<void>;
  check(jti: string): Promise<BlacklistState>;
  /** Copies rows of the last `windowMs` to Redis (repairs writes lost to a Redis outage). */
  resyncRecent(windowMs: number): Promise<number>;
  /** Copies every unexpired row to Redis, then sets the marker. */
  reload(): Promise<number>;
}

export const blacklistKey = (jti: string): string => `member:authentication:blacklist:${jti}`;
/** Present only while Redis holds every unexpired revocation (see the header). */
export const BLACKLIST_LOADED_KEY = 'member:authentication:blacklist:loaded';

export interface BlacklistDeps {
  readonly redis: Redis;
  readonly sql: Sql;
  readonly sessions: SessionsRepo;
  readonly revocations: RevocationPublisher;
  readonly clock: () => Date;
  readonly log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

interface Row {
  jti: string;
  member_id: string;
  expires_at: Date | string;
}

export function createBlacklist({ redis, sql, sessions, revocations, clock, log }: BlacklistDeps): Blacklist {
  const cache = async (jti: string, memberId: string, expiresAt: Date): Promise<void> => {
    const ttl = Math.ceil((expiresAt.getTime() - clock().getTime()) / 1000);
    if (ttl > 0) await redis.set(blacklistKey(jti), memberId, 'EX', ttl);
  };
  const copy = async (rows: readonly Row[]): Promise<void> => {
    for (const row of rows) await cache(row.jti, String(row.member_id), asDate(row.expires_at));
  };
  const fromPostgres = async (jti: string): Promise<BlacklistState> => ((await sessions.isBlacklisted(sql, jti)) ? 'blacklisted' : 'not-blacklisted');

  let reloading: Promise<number> | undefined;
  const reload = (): Promise<number> => {
    reloading ??= (async () => {
      const rows = await sql.query<Row>('select jti, member_id, expires_at from member.token_blacklist where expires_at > ?', [clock()]);
      await copy(rows);
      await redis.set(BLACKLIST_LOADED_KEY, clock().toISOString());
      log.info({ rows: rows.length }, 'blacklist: every unexpired revocation copied to redis');
      return rows.length;
    })().finally(() => {
      reloading = undefined;
    });
    return reloading;
  };

  return {
    async add(jti, memberId, expiresAt, reason) {
      // The durable row first: if the Redis write then fails, resyncRecent() (run periodically)
      // copies the row to Redis once it answers again, so the logout is not lost.
      await sessions.insertBlacklist(sql, jti, memberId, expiresAt, reason);
      try {
        await cache(jti, memberId, expiresAt);
      } catch (err: unknown) {
        log.warn({ err }, 'blacklist: redis write failed; durable row kept');
      }
      await revocations.revoke('jti', [jti]);
    },
    async check(jti) {
      let marker: string | null;
      let entry: string | null;
      try {
        [marker = null, entry = null] = await redis.mget(BLACKLIST_LOADED_KEY, blacklistKey(jti));
      } catch (err: unknown) {
        log.warn({ err }, 'blacklist: redis unavailable; checking PostgreSQL');
        return fromPostgres(jti);
      }
      if (entry !== null) return 'blacklisted';
      if (marker !== null) return 'not-blacklisted';
      reload().catch((err: unknown) => log.warn({ err }, 'blacklist: reload into redis failed; PostgreSQL keeps answering'));
      return fromPostgres(jti);
    },
    async resyncRecent(windowMs) {
      const since = new Date(clock().getTime() - windowMs);
      const rows = await sql.query<Row>('select jti, member_id, expires_at from member.token_blacklist where created_at >= ? and expires_at > ?', [since, clock()]);
      await copy(rows);
      return rows.length;
    },
    reload,
  };
}
