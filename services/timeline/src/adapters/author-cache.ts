// Author summaries cached in process for a short TTL (AUTHOR_CACHE_TTL_MS), in front of
// member-svc's GetSummariesByIds: a feed page asks member-svc only for the authors it has not seen
// lately, still in one batched call. An author's profile edit or deactivation shows within the
// TTL; posts themselves are never cached. Authors member-svc does not know are remembered as
// absent for the same TTL, so a page of a deleted member's posts costs no call either.
import type { AuthorSummary } from '../domain/reads.ts';
import type { Forwarded, MemberDirectory } from './member-client.ts';

const MAX_ENTRIES = 100_000;

export function withAuthorCache(
  members: MemberDirectory,
  ttlMs: number,
  onLookup: (result: 'hit' | 'miss', count: number) => void,
  now: () => number = Date.now,
): MemberDirectory {
  if (ttlMs === 0) return members;
  const entries = new Map<string, { summary: AuthorSummary | undefined; expires: number }>();

  const summariesByIds = async (ids: readonly string[], fwd: Forwarded): Promise<Map<string, AuthorSummary>> => {
    const out = new Map<string, AuthorSummary>();
    const missing: string[] = [];
    const t = now();
    for (const id of ids) {
      const entry = entries.get(id);
      if (entry && entry.expires > t) {
        if (entry.summary) out.set(id, entry.summary);
      } else {
        missing.push(id);
      }
    }
    onLookup('hit', ids.length - missing.length);
    onLookup('miss', missing.length);
    if (missing.length === 0) return out;
    const fetched = await members.summariesByIds(missing, fwd);
    // A full map is cleared rather than scanned: the cache refills within one TTL anyway.
    if (entries.size + missing.length > MAX_ENTRIES) entries.clear();
    const fetchedAt = now();
    for (const id of missing) {
      const summary = fetched.get(id);
      // Lifetimes spread over 80-120% of the TTL so a page's authors do not all expire together.
      entries.set(id, { summary, expires: fetchedAt + ttlMs * (0.8 + 0.4 * Math.random()) });
      if (summary) out.set(id, summary);
    }
    return out;
  };

  return { ...members, summariesByIds };
}
