// Who a request counts against for rate limiting, decided cheaply and without verifying the
// token (member-svc verifies it). The key is a hash of the bearer token, not its unverified
// `sub` claim: a forged token naming someone else's member id would otherwise let anyone
// exhaust that member's budget. A session is therefore one bucket; logins are bounded by the
// per-IP limit.
import { createHash } from 'node:crypto';

/** The bearer token of an Authorization header, or undefined for none / `Bearer null`. */
export function bearerTokenOf(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  const token = match?.[1];
  if (token === undefined || token === 'null' || token === 'undefined') return undefined;
  return token;
}

export function memberBucketOf(authorization: string | undefined): string | undefined {
  const token = bearerTokenOf(authorization);
  return token === undefined ? undefined : createHash('sha256').update(token).digest('base64url').slice(0, 22);
}
