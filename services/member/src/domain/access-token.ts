// Access-token claims. `sub` is the member id as a string (RFC 7519); `memberId` repeats it as a
// number because the frontend decodes the payload and reads it. `typ` in the header is at+jwt
// (RFC 9068) so that no other kind of JWT signed by our keys passes as an access token.
import { authErrors } from './auth-errors.ts';

export const ACCESS_TOKEN_TYP = 'at+jwt';
export const ACCESS_TOKEN_ALG = 'ES256';

export interface AccessClaims {
  readonly sub: string;
  readonly memberId: number;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
  readonly iss: string;
  readonly aud: string;
}

export function buildAccessClaims(memberId: string, jti: string, now: Date, ttlSeconds: number, issuer: string, audience: string): AccessClaims {
  const iat = Math.floor(now.getTime() / 1000);
  return { sub: memberId, memberId: Number(memberId), jti, iat, exp: iat + ttlSeconds, iss: issuer, aud: audience };
}

export interface VerifiedAccess {
  readonly memberId: string;
  readonly jti: string;
  readonly expiresAt: Date;
}

/** Checks the claims a verified signature vouches for; anything malformed is INVALID_TOKEN. */
export function readVerifiedClaimsOrThrow(payload: unknown): VerifiedAccess {
  if (typeof payload !== 'object' || payload === null) throw authErrors.invalid('payload is not an object');
  const p = payload as Record<string, unknown>;
  if (typeof p.sub !== 'string' || !/^[1-9]\d{0,18}$/.test(p.sub)) throw authErrors.invalid('bad sub');
  if (typeof p.jti !== 'string' || p.jti.length === 0 || p.jti.length > 64) throw authErrors.invalid('bad jti');
  if (typeof p.exp !== 'number') throw authErrors.invalid('missing exp');
  return { memberId: p.sub, jti: p.jti, expiresAt: new Date(p.exp * 1000) };
}
