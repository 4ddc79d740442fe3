// Optional in-process cache of member-svc's Authenticate answers, per bearer token
// (AUTH_CACHE_TTL_MS; 0, the default, turns it off and every call asks member-svc).
//
// The trade-off, stated plainly: with a TTL of N ms a token that is logged out, or whose member is
// deactivated, can still read timeline's public-facing read RPCs for up to N ms on a replica that
// answered it just before. Nothing is written through timeline, so what leaks is read access only,
// bounded by N, and never past the token's own expiry (AuthenticateResponse.expires_at). Refusals
// are never cached: a bad token is asked about every time. Measured in bench/timeline-feeds.ts.
import type { AuthenticatedCaller, Forwarded, MemberDirectory } from './member-client.ts';

const MAX_ENTRIES = 50_000;

export function withAuthCache(
  members: MemberDirectory,
  ttlMs: number,
  onLookup: (result: 'hit' | 'miss') => void,
  now: () => number = Date.now,
): MemberDirectory {
  if (ttlMs === 0) return members;
  const entries = new Map<string, { caller: AuthenticatedCaller; until: number }>();
  const authenticate = async (fwd: Forwarded): Promise<AuthenticatedCaller> => {
    const key = fwd.authorization;
    const entry = key === undefined ? undefined : entries.get(key);
    if (entry && entry.until > now()) {
      onLookup('hit');
      return entry.caller;
    }
    onLookup('miss');
    const caller = await members.authenticate(fwd);
    if (key !== undefined) {
      const until = Math.min(now() + ttlMs, caller.expiresAt?.getTime() ?? 0);
      // A full map is cleared rather than scanned: it refills within one TTL.
      if (entries.size >= MAX_ENTRIES) entries.clear();
      if (until > now()) entries.set(key, { caller, until });
    }
    return caller;
  };
  return { ...members, authenticate };
}
