// The access-token blacklist: Redis answers the hot path (`member:authentication:blacklist:{jti}`
// with TTL = the token's remaining lifetime); PostgreSQL keeps the durable row. When Redis fails
// the check falls back to PostgreSQL, so an outage slows Authenticate down but never lets a
// revoked token through.
import type { Redis } from 'ioredis';
import type { SessionsRepo } from './sessions-repo.ts';
import { asDate, type Sql } from './sql.ts';

export type BlacklistState = 'blacklisted' | 'not-blacklisted';

export interface Blacklist {
  add(jti: string, memberId: string, expiresAt: Date, reason: string): Promise<void>;
  check(jti: string): Promise<BlacklistState>;
  /** Copies rows of the last `windowMs` to Redis (repairs writes lost to a Redis outage). */
  resyncRecent(windowMs: number): Promise<number>;
}

export const blacklistKey = (jti: string): string => `member:authentication:blacklist:${jti}`;

export interface BlacklistDeps {
  readonly redis: Redis;
  readonly sql: Sql;
  readonly sessions: SessionsRepo;
  readonly clock: () => Date;
  readonly log: { warn(obj: object, msg: string): void };
}

export function createBlacklist({ redis, sql, sessions, clock, log }: BlacklistDeps): Blacklist {
  const cache = async (jti: string, memberId: string, expiresAt: Date): Promise<void> => {
    const ttl = Math.ceil((expiresAt.getTime() - clock().getTime()) / 1000);
    if (ttl > 0) await redis.set(blacklistKey(jti), memberId, 'EX', ttl);
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
    },
    async check(jti) {
      try {
        return (await redis.exists(blacklistKey(jti))) === 1 ? 'blacklisted' : 'not-blacklisted';
      } catch (err: unknown) {
        log.warn({ err }, 'blacklist: redis unavailable; checking PostgreSQL');
        return (await sessions.isBlacklisted(sql, jti)) ? 'blacklisted' : 'not-blacklisted';
      }
    },
    async resyncRecent(windowMs) {
      const since = new Date(clock().getTime() - windowMs);
      const rows = await sql.query<{ jti: string; member_id: string; expires_at: Date | string }>(
        'select jti, member_id, expires_at from member.token_blacklist where created_at >= ? and expires_at > ?',
        [since, clock()],
      );
      for (const row of rows) await cache(row.jti, String(row.member_id), asDate(row.expires_at));
      return rows.length;
    },
  };
}
