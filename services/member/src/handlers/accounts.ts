// Accounts: signup, login and deactivation.
import { authErrors } from '../domain/auth-errors.ts';
import { profileCompletionScore, type MemberRecord } from '../domain/member.ts';
import { validateLoginEmailOrThrow, validateSignupOrThrow, type SignupInput } from '../domain/signup-rules.ts';
import type { Caller } from './authenticate.ts';
import type { UseCaseDeps } from './deps.ts';
import type { MemberReader } from './member-reader.ts';
import type { ClientInfo, IssuedSession, Sessions } from './sessions.ts';

/** Who is asking and until when: the throttles key on the address, hashing honours the deadline. */
export interface AttemptContext {
  /** The client's address as the edge saw it; empty when unknown (internal callers). */
  readonly address: string;
  /** Epoch ms; Infinity when the caller set none. */
  readonly deadline: number;
}

export interface Accounts {
  signup(input: SignupInput, attempt: AttemptContext): Promise<string>;
  login(email: string, password: string, client: ClientInfo, attempt: AttemptContext): Promise<{ member: MemberRecord; session: IssuedSession }>;
  deactivate(caller: Caller): Promise<void>;
}

export function createAccounts(deps: UseCaseDeps, reader: MemberReader, sessions: Sessions): Accounts {
  const { sql, members, follows, hasher, throttle, clock, cache, blacklist, images } = deps;
  return {
    async signup(input, attempt) {
      const member = validateSignupOrThrow(input, clock());
      await throttle.admitSignupOrThrow(attempt.address);
      const passwordHash = await hasher.hash(member.password, attempt);
      const { avatarClaim } = member;
      if (avatarClaim === null) return members.create(sql, member, passwordHash, profileCompletionScore(member));
      // The avatar is claimed before the member commits: a refused claim rolls the signup back.
      return sql.tx(async (tx) => {
        const id = await members.create(tx, member, passwordHash, profileCompletionScore(member));
        await images.claimImageOrThrow(member.avatarUrl, avatarClaim, id);
        return id;
      });
    },

    async login(email, password, client, attempt) {
      validateLoginEmailOrThrow(email);
      // Throttled before any hashing: a client over its budget costs a Redis round trip only.
      await throttle.admitLoginOrThrow(email, attempt.address);
      const found = await members.findLoginByEmail(sql, email);
      // Unknown email: the same scrypt work against a dummy hash, so timing reveals nothing.
      const matches = found ? await hasher.verify(password, found.passwordHash, attempt) : await hasher.verifyUnknown(password, attempt);
      if (!found || !matches) {
        await throttle.recordLoginFailure(email);
        throw authErrors.credentials();
      }
      const member = await reader.getActiveOrThrow(found.id).catch(() => {
        throw authErrors.credentials();
      });
      return { member, session: await sessions.open(member, client) };
    },

    async deactivate({ member, token }) {
      const now = clock();
      const linked = await sql.tx(async (tx) => {
        const followingIds = await follows.followingIds(tx, member.id);
        const followerIds = await tx.query<{ id: string }>('select follower_id as id from member.follows where followee_id = ?', [member.id]);
        await follows.detachCounts(tx, member.id);
        await members.deactivate(tx, member.id, now);
        await deps.sessions.revokeAllOfMember(tx, member.id, now);
        return [...followingIds, ...followerIds.map((r) => String(r.id))];
      });
      await blacklist.add(token.jti, member.id, token.expiresAt, 'DEACTIVATED');
      await cache.invalidate([member.id, ...linked]);
    },
  };
}
