// Resolves a bearer token to its member. This runs on every request of every service, so the
// common case touches only memory (keys, in-process member cache) and one Redis round trip
// (the blacklist); PostgreSQL is reached only on a cache miss.
import type { VerifiedToken } from '../adapters/access-tokens.ts';
import { authErrors } from '../domain/auth-errors.ts';
import type { MemberRecord } from '../domain/member.ts';
import type { UseCaseDeps } from './deps.ts';
import type { MemberReader } from './member-reader.ts';

export interface Caller {
  readonly member: MemberRecord;
  readonly token: VerifiedToken;
  /** The raw `authorization` value, forwarded to image-svc. */
  readonly authorization: string;
}

export type Authenticate = (authorization: string | undefined) => Promise<Caller>;

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The bare token of an `authorization` value, or undefined when it is not `Bearer <token>`. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return (authorization === undefined ? null : BEARER.exec(authorization))?.[1] || undefined;
}

export function createAuthenticate({ tokens, blacklist }: UseCaseDeps, reader: MemberReader): Authenticate {
  return async (authorization) => {
    const bare = bearerToken(authorization);
    if (bare === undefined) throw authErrors.bearerMissing();
    const token = await tokens.verify(bare);
    if ((await blacklist.check(token.jti)) === 'blacklisted') throw authErrors.invalid('the token was revoked');
    const member = await reader.find(token.memberId);
    if (!member || !member.isActive) throw authErrors.invalid('the member no longer exists or is deactivated');
    return { member, token, authorization: authorization ?? '' };
  };
}
