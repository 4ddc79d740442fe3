// Sessions: opening one at login, rotating refresh tokens, logout, logout-all and cleanup.
// RefreshAccessToken and RefreshSession both call refresh(); they differ only in their answer.
import { randomUUID } from 'node:crypto';
import { authErrors } from '../domain/auth-errors.ts';
import type { MemberRecord } from '../domain/member.ts';
import { judgeRefreshToken } from '../domain/refresh-rules.ts';
import type { Caller } from './authenticate.ts';
import type { UseCaseDeps } from './deps.ts';

export interface ClientInfo {
  readonly deviceInfo: string;
  readonly ipAddress: string;
}

export interface IssuedSession {
  readonly accessToken: string;
  readonly accessTokenExpiresAt: Date;
  readonly refreshToken: string;
  readonly refreshTokenExpiresAt: Date;
  readonly expiresInSeconds: number;
}

export interface Sessions {
  open(member: MemberRecord, client: ClientInfo): Promise<IssuedSession>;
  refresh(refreshToken: string, client: ClientInfo): Promise<IssuedSession>;
  logout(caller: Caller, refreshToken: string | undefined): Promise<void>;
  logoutAll(caller: Caller): Promise<void>;
  cleanup(): Promise<{ refresh: number; blacklist: number }>;
}

type RefreshOutcome = { kind: 'ok'; session: IssuedSession } | { kind: 'reused'; familyId: string; memberId: string } | { kind: 'invalid' };

export function createSessions(deps: UseCaseDeps): Sessions {
  const { sql, sessions, members, tokens, blacklist, revocations, clock, log, refreshTtlMs } = deps;

  const issue = async (tx: typeof sql, memberId: string, familyId: string, client: ClientInfo): Promise<IssuedSession> => {
    const access = tokens.issue(memberId);
    const refreshTokenExpiresAt = new Date(clock().getTime() + refreshTtlMs);
    const refreshToken = await sessions.insertRefresh(tx, {
      familyId,
      memberId,
      accessJti: access.jti,
      deviceInfo: client.deviceInfo,
      ipAddress: client.ipAddress,
      expiresAt: refreshTokenExpiresAt,
    });
    return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken, refreshTokenExpiresAt, expiresInSeconds: tokens.ttlSeconds };
  };

  return {
    open: (member, client) => issue(sql, member.id, randomUUID(), client),

    async refresh(refreshToken, client) {
      if (refreshToken.trim() === '') throw authErrors.refreshInvalid();
      const now = clock();
      const outcome = await sql.tx(async (tx): Promise<RefreshOutcome> => {
        const stored = await sessions.findRefreshForUpdate(tx, refreshToken.trim());
        const verdict = judgeRefreshToken(stored, now);
        if (!stored || verdict === 'invalid') return { kind: 'invalid' };
        if (verdict === 'reused') {
          // Committed before the error is raised: the family stays revoked.
          await sessions.revokeFamily(tx, stored.familyId, now);
          return { kind: 'reused', familyId: stored.familyId, memberId: stored.memberId };
        }
        const member = await members.findById(tx, stored.memberId);
        if (!member?.isActive) {
          await sessions.revokeFamily(tx, stored.familyId, now);
          return { kind: 'invalid' };
        }
        await sessions.markRotated(tx, stored.id, now);
        return { kind: 'ok', session: await issue(tx, stored.memberId, stored.familyId, client) };
      });
      if (outcome.kind === 'reused') {
        log.warn({ familyId: outcome.familyId, memberId: outcome.memberId }, 'refresh token reused: family revoked');
        // The family may have been stolen: services that remember answers ask again for every token of the member.
        await revocations.revoke('member', [outcome.memberId]);
        throw authErrors.refreshReused();
      }
      if (outcome.kind === 'invalid') throw authErrors.refreshInvalid();
      return outcome.session;
    },

    async logout(caller, refreshToken) {
      const { member, token } = caller;
      await blacklist.add(token.jti, member.id, token.expiresAt, 'USER_LOGOUT');
      await sql.tx(async (tx) => {
        const now = clock();
        await sessions.revokeByAccessJti(tx, member.id, token.jti, now);
        if (refreshToken && refreshToken.trim() !== '') await sessions.revokeFamilyOfToken(tx, member.id, refreshToken.trim(), now);
      });
    },

    async logoutAll({ member, token }) {
      await blacklist.add(token.jti, member.id, token.expiresAt, 'USER_LOGOUT_ALL');
      await sessions.revokeAllOfMember(sql, member.id, clock());
      await revocations.revoke('member', [member.id]);
    },

    cleanup: () => sessions.deleteExpired(sql, clock()),
  };
}
