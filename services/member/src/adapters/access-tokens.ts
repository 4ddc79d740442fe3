// Issues and verifies ES256 access tokens with jsonwebtoken. Verification never lets the token
// choose how it is checked: the algorithm is fixed, the key comes only from our key store by
// kid, and iss/aud/typ must match. An expired token asks for a refresh; everything else that
// fails asks for a new login.
//
// A signature that verified once stays valid, so verified tokens are remembered (bounded, until
// they expire): the same client presenting the same token on every request skips the ECDSA
// check. Expiry and the signing key's state (grace, retired, gone) are still checked on every hit,
// so a rotation or retirement takes effect at once.
import jwt from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import { ACCESS_TOKEN_ALG, ACCESS_TOKEN_TYP, buildAccessClaims, readVerifiedClaimsOrThrow } from '../domain/access-token.ts';
import { authErrors } from '../domain/auth-errors.ts';
import { keyUsability } from '../domain/key-rotation.ts';
import type { KeyStore } from './key-store.ts';

export interface IssuedAccessToken {
  readonly token: string;
  readonly jti: string;
  readonly expiresAt: Date;
}

export interface VerifiedToken {
  readonly memberId: string;
  readonly jti: string;
  readonly expiresAt: Date;
  /** The signing key's id (the token header's kid). */
  readonly kid: string;
  /** Signed by a key that is no longer primary (grace): valid, but the client should refresh. */
  readonly refreshNeeded: boolean;
}

export interface AccessTokens {
  readonly ttlSeconds: number;
  issue(memberId: string): IssuedAccessToken;
  verify(token: string): Promise<VerifiedToken>;
}

export interface AccessTokenOptions {
  readonly keys: KeyStore;
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
  readonly clock: () => Date;
}

const MAX_REMEMBERED = 20_000;

interface Remembered {
  readonly kid: string;
  readonly claims: Omit<VerifiedToken, 'refreshNeeded' | 'kid'>;
}

export function createAccessTokens({ keys, issuer, audience, ttlSeconds, clock }: AccessTokenOptions): AccessTokens {
  const remembered = new Map<string, Remembered>();
  const fromMemory = (token: string): VerifiedToken | undefined => {
    const hit = remembered.get(token);
    if (!hit) return undefined;
    const now = clock();
    const key = keys.peek(hit.kid);
    const usability = key ? keyUsability(key, now) : 'retired';
    if (usability === 'retired') {
      remembered.delete(token);
      throw authErrors.invalid(key ? 'retired signing key' : 'unknown signing key');
    }
    if (hit.claims.expiresAt.getTime() <= now.getTime()) {
      remembered.delete(token);
      throw authErrors.expired();
    }
    return { ...hit.claims, kid: hit.kid, refreshNeeded: usability === 'grace' };
  };
  const remember = (token: string, kid: string, claims: Omit<VerifiedToken, 'refreshNeeded' | 'kid'>): void => {
    if (remembered.size >= MAX_REMEMBERED) {
      const oldest = remembered.keys().next();
      if (!oldest.done) remembered.delete(oldest.value);
    }
    remembered.set(token, { kid, claims });
  };
  return {
    ttlSeconds,
    issue(memberId) {
      const key = keys.primaryOrThrow();
      const claims = buildAccessClaims(memberId, randomUUID(), clock(), ttlSeconds, issuer, audience);
      const token = jwt.sign({ ...claims }, key.privateKey, {
        algorithm: ACCESS_TOKEN_ALG,
        keyid: key.kid,
        header: { alg: ACCESS_TOKEN_ALG, typ: ACCESS_TOKEN_TYP, kid: key.kid },
      });
      return { token, jti: claims.jti, expiresAt: new Date(claims.exp * 1000) };
    },
    async verify(token) {
      const known = fromMemory(token);
      if (known) return known;
      const decoded = jwt.decode(token, { complete: true });
      if (decoded === null || typeof decoded.payload === 'string') throw authErrors.invalid('malformed token');
      const { alg, kid, typ } = decoded.header;
      if (alg !== ACCESS_TOKEN_ALG) throw authErrors.invalid('algorithm not allowed');
      if (typ !== ACCESS_TOKEN_TYP) throw authErrors.invalid('not an access token');
      if (typeof kid !== 'string' || kid.length === 0 || kid.length > 64) throw authErrors.invalid('missing key id');
      const key = await keys.find(kid);
      if (!key) throw authErrors.invalid('unknown signing key');
      const now = clock();
      const usability = keyUsability(key, now);
      if (usability === 'retired') throw authErrors.invalid('retired signing key');
      let payload: unknown;
      try {
        payload = jwt.verify(token, key.publicKey, {
          algorithms: [ACCESS_TOKEN_ALG],
          issuer,
          audience,
          clockTimestamp: Math.floor(now.getTime() / 1000),
        });
      } catch (err: unknown) {
        if (err instanceof jwt.TokenExpiredError) throw authErrors.expired();
        throw authErrors.invalid(err instanceof Error ? err.message : 'verification failed', err);
      }
      const claims = readVerifiedClaimsOrThrow(payload);
      remember(token, kid, claims);
      return { ...claims, kid, refreshNeeded: usability === 'grace' };
    },
  };
}
