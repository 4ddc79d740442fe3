// The claim of an anonymous upload: 32 random bytes (base64url), returned once with the upload
// and stored only as its SHA-256, so a database leak does not hand out the right to delete or
// claim anyone's avatar. Whoever holds the claim may delete the image while it has no owner, or
// make a new member its owner at signup.
import { createHash, randomBytes } from 'node:crypto';
import { validationError } from './errors.ts';

/** At most this many claims in one DeleteImages call (as many as URLs). */
export const MAX_CLAIMS = 1000;
const CLAIM = /^[A-Za-z0-9_-]{43}$/;

export interface NewClaim {
  readonly claim: string;
  readonly hash: string;
}

export function newClaim(): NewClaim {
  const claim = randomBytes(32).toString('base64url');
  return { claim, hash: hashClaim(claim) };
}

/** Lowercase hex SHA-256. */
export function hashClaim(claim: string): string {
  return createHash('sha256').update(claim).digest('hex');
}

/** Hashes of the well-formed claims a delete carries; malformed ones can match nothing and are dropped. */
export function claimHashesOrThrow(claims: readonly string[]): string[] {
  if (claims.length > MAX_CLAIMS) throw validationError([{ field: 'claims', rule: 'max_items', message: `must list at most ${MAX_CLAIMS} claims` }]);
  return claims.filter((c) => CLAIM.test(c)).map(hashClaim);
}

/** The one answer for every claim that cannot be honoured: it tells nothing about the image. */
export const claimMismatch = () =>
  validationError([{ field: 'claim', rule: 'match', message: 'does not match an unclaimed anonymous upload of this image' }]);
