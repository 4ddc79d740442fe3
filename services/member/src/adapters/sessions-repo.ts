// Refresh tokens and the durable blacklist in PostgreSQL. Refresh tokens are stored only as
// their SHA-256 hash (they are 256-bit random values, so a fast hash is enough), with the family
// they belong to: every rotation of one login stays in one family.
import { createHash, randomBytes } from 'node:crypto';
import type { StoredRefreshToken } from '../domain/refresh-rules.ts';
import { asDate, asDateOrNull, type Sql } from './sql.ts';

export interface NewRefreshToken {
  readonly familyId: string;
  readonly memberId: string;
  readonly accessJti: string;
  readonly deviceInfo: string;
  readonly ipAddress: string;
  readonly expiresAt: Date;
}

export interface SessionsRepo {
  /** Stores a new refresh token; returns the opaque value to hand out (never stored). */
  insertRefresh(sql: Sql, token: NewRefreshToken): Promise<string>;
  /** Locks and returns the token row (FOR UPDATE), for rotation inside a transaction. */
  findRefreshForUpdate(sql: Sql, value: string): Promise<StoredRefreshToken | undefined>;
  markRotated(sql: Sql, id: string, now: Date): Promise<void>;
  revokeFamily(sql: Sql, familyId: string, now: Date): Promise<number>;
  /** Revokes the families of the refresh tokens paired with this access-token jti. */
  revokeByAccessJti(sql: Sql, memberId: string, jti: string, now: Date): Promise<number>;
  /** Revokes the family of a given refresh token if it belongs to the member. */
  revokeFamilyOfToken(sql: Sql, memberId: string, value: string, now: Date): Promise<number>;
  revokeAllOfMember(sql: Sql, memberId: string, now: Date): Promise<number>;
  insertBlacklist(sql: Sql, jti: string, memberId: string, expiresAt: Date, reason: string): Promise<void>;
  isBlacklisted(sql: Sql, jti: string): Promise<{ expiresAt: Date; memberId: string } | undefined>;
  deleteExpired(sql: Sql, now: Date): Promise<{ refresh: number; blacklist: number }>;
}

const hashOf = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

export function createSessionsRepo(): SessionsRepo {
  return {
    async insertRefresh(sql, t) {
      const value = randomBytes(32).toString('base64url');
      await sql.run(
        `insert into member.refresh_tokens (token_hash, family_id, member_id, access_jti, device_info, ip_address, expires_at)
         values (?, ?, ?, ?, ?, ?, ?)`,
        [hashOf(value), t.familyId, t.memberId, t.accessJti, t.deviceInfo.slice(0, 500), t.ipAddress.slice(0, 50), t.expiresAt],
      );
      return value;
    },
    async findRefreshForUpdate(sql, value) {
      const rows = await sql.query<{ id: string; family_id: string; member_id: string; expires_at: Date | string; rotated_at: Date | string | null; revoked_at: Date | string | null }>(
        `select id, family_id, member_id, expires_at, rotated_at, revoked_at from member.refresh_tokens where token_hash = ? for update`,
        [hashOf(value)],
      );
      const r = rows[0];
      return r && { id: r.id, familyId: r.family_id, memberId: r.member_id, expiresAt: asDate(r.expires_at), rotatedAt: asDateOrNull(r.rotated_at), revokedAt: asDateOrNull(r.revoked_at) };
    },
    async markRotated(sql, id, now) {
      await sql.run('update member.refresh_tokens set rotated_at = ?, revoked_at = coalesce(revoked_at, ?) where id = ?', [now, now, id]);
    },
    revokeFamily(sql, familyId, now) {
      return sql.run('update member.refresh_tokens set revoked_at = ? where family_id = ? and revoked_at is null', [now, familyId]);
    },
    revokeByAccessJti(sql, memberId, jti, now) {
      return sql.run(
        `update member.refresh_tokens set revoked_at = ? where revoked_at is null and family_id in
           (select family_id from member.refresh_tokens where access_jti = ? and member_id = ?)`,
        [now, jti, memberId],
      );
    },
    revokeFamilyOfToken(sql, memberId, value, now) {
      return sql.run(
        `update member.refresh_tokens set revoked_at = ? where revoked_at is null and family_id in
           (select family_id from member.refresh_tokens where token_hash = ? and member_id = ?)`,
        [now, hashOf(value), memberId],
      );
    },
    revokeAllOfMember(sql, memberId, now) {
      return sql.run('update member.refresh_tokens set revoked_at = ? where member_id = ? and revoked_at is null', [now, memberId]);
    },
    async insertBlacklist(sql, jti, memberId, expiresAt, reason) {
      await sql.run(
        `insert into member.token_blacklist (jti, member_id, expires_at, reason) values (?, ?, ?, ?) on conflict (jti) do nothing`,
        [jti, memberId, expiresAt, reason],
      );
    },
    async isBlacklisted(sql, jti) {
      const rows = await sql.query<{ expires_at: Date | string; member_id: string }>('select expires_at, member_id from member.token_blacklist where jti = ?', [jti]);
      const r = rows[0];
      return r && { expiresAt: asDate(r.expires_at), memberId: String(r.member_id) };
    },
    async deleteExpired(sql, now) {
      const refresh = await sql.run('delete from member.refresh_tokens where expires_at < ?', [now]);
      const blacklist = await sql.run('delete from member.token_blacklist where expires_at < ?', [now]);
      return { refresh, blacklist };
    },
  };
}
