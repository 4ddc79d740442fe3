// Who a request counts against for rate limiting, decided cheaply and without verifying the
// token (member-svc verifies it): the member session when there is a bearer token, else the
// client address (which, behind the ingress and a frontend proxy, is only right when TRUST_PROXY
// trusts exactly those hops: gateway/README.md). The session key is a hash of the bearer token,
// not its unverified `sub` claim: a forged token naming someone else's member id would otherwise
// let anyone exhaust that member's budget. Logins and signups carry no token: the address bounds them.
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

/** The one bucket a request counts against: `member:<token hash>` or `ip:<client address>`. */
export function rateLimitBucketOf(authorization: string | undefined, clientAddress: string): string {
  const member = memberBucketOf(authorization);
  return member === undefined ? `ip:${clientAddress}` : `member:${member}`;
}
